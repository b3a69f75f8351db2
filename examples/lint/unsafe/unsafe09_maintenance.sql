-- VACUUM FULL and a typo
--
-- Revision ID: unsafe09
-- Revises: unsafe08
-- Transactional: false
-- Create Date: 2026-11-24 10:00:00
--
-- Flags: vacuum-full, parse-error.

-- migrate:upgrade
VACUUM FULL accounts;
ALTER TABLE accounts ADD COLUMN;

-- migrate:downgrade
SELECT 1;
