-- UNIQUE (email) using the prebuilt index
--
-- Revision ID: safe0010
-- Revises: safe0009
-- Create Date: 2026-11-24 10:00:00
--
-- USING INDEX attaches the index built by safe0009: instant.

-- migrate:upgrade
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '5min';
ALTER TABLE accounts ADD CONSTRAINT accounts_email_key UNIQUE USING INDEX accounts_email_key;

-- migrate:downgrade
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '5min';
ALTER TABLE accounts DROP CONSTRAINT accounts_email_key;
