-- Add accounts.token with a volatile default
--
-- Revision ID: unsafe03
-- Revises: unsafe02
-- Create Date: 2026-11-24 10:00:00
--
-- Flags: volatile-default (gen_random_uuid() is evaluated per row: a table rewrite).

-- migrate:upgrade
SET LOCAL lock_timeout = '2s';
ALTER TABLE accounts ADD COLUMN token uuid DEFAULT gen_random_uuid();

-- migrate:downgrade
SET LOCAL lock_timeout = '2s';
ALTER TABLE accounts DROP COLUMN token;
