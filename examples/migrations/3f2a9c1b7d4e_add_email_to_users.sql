-- Add email column to users
--
-- Revision ID: 3f2a9c1b7d4e
-- Revises: 1975ea83b712
-- Create Date: 2026-02-09 10:21:33
--
-- Nullable on purpose: existing rows have no email yet, and a NOT NULL column
-- without a default would fail (and on PostgreSQL lock the table) on a live table.

-- migrate:upgrade
ALTER TABLE users ADD COLUMN email VARCHAR(320);

-- migrate:downgrade
ALTER TABLE users DROP COLUMN email;
