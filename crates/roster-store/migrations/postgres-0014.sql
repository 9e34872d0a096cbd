-- The organisation's profile (issue 18): the address Microsoft 365 calls the technical contact,
-- which Graph's organization resource shows as technicalNotificationMails.
ALTER TABLE tenants ADD COLUMN technical_contact TEXT;
