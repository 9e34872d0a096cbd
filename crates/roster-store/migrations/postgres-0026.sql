-- Where a device's request came from (issue 19): shown on the page where its code is entered,
-- so that a user can tell a request of their own from one a stranger sent them the code of.
ALTER TABLE device_codes ADD COLUMN requested_from TEXT;
