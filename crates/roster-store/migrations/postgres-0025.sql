-- Whether a tenant allows the device code flow (issue 19): a way to sign in that a phishing
-- message can abuse (a code sent by someone else, entered by the victim), which a tenant that
-- does not use it turns off, as Entra's authentication flows policy does.
ALTER TABLE tenants ADD COLUMN device_code_flow BOOLEAN NOT NULL DEFAULT TRUE;
