-- Index users by email
--
-- Revision ID: 8e7d6c5b4a39
-- Revises: 3f2a9c1b7d4e
-- Create Date: 2026-02-10 16:40:00
--
-- Login looks users up by email.

-- migrate:upgrade
CREATE UNIQUE INDEX ux_users_email ON users (email);

-- migrate:downgrade
DROP INDEX ux_users_email;
