-- Backfill display names
--
-- Revision ID: 9d8c7b6a5f40
-- Revises: 5c4b3a291807
-- Create Date: 2026-02-12 11:00:00
--
-- Data migration: adds display_name and fills it from name for existing
-- users, so the application can start reading it in the next release. The two
-- demo users give the backfill something to do in the example.

-- migrate:upgrade
INSERT INTO users (id, name, email) VALUES
    (1, 'ada lovelace', 'ada@example.com'),
    (2, 'alan turing', NULL);
ALTER TABLE users ADD COLUMN display_name VARCHAR(200);
UPDATE users SET display_name = UPPER(SUBSTR(name, 1, 1)) || SUBSTR(name, 2)
 WHERE display_name IS NULL;

-- migrate:downgrade
ALTER TABLE users DROP COLUMN display_name;
DELETE FROM users WHERE id IN (1, 2);
