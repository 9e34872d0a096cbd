-- Domains verified by a DNS TXT record (issue 18): the code a domain's record must hold, made
-- when the domain is added. Domains added before were verified on the administrator's word.
ALTER TABLE domains ADD COLUMN verification_code TEXT;
