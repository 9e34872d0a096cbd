-- Per-user MFA and authentication contact details (roster's extension properties of a user).
ALTER TABLE users ADD COLUMN mfa_state TEXT COLLATE "C";
ALTER TABLE users ADD COLUMN mfa_default_method TEXT COLLATE "C";
ALTER TABLE users ADD COLUMN mfa_allowed_methods TEXT NOT NULL DEFAULT '[]';
ALTER TABLE users ADD COLUMN authentication_phone TEXT COLLATE "C";
ALTER TABLE users ADD COLUMN authentication_alternate_phone TEXT COLLATE "C";
ALTER TABLE users ADD COLUMN authentication_email TEXT COLLATE "C";
