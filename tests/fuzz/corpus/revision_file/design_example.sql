-- Add email column to users
--
-- Revision ID: 3f2a9c1b7d4e
-- Revises: 1975ea83b712
-- Create Date: 2026-02-09 10:21:33
--
-- Detailed explanation: what tables are affected, what data moves.

-- migrate:upgrade
ALTER TABLE users ADD COLUMN email text;

-- migrate:downgrade
ALTER TABLE users DROP COLUMN email;
