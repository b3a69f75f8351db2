-- Create users
--
-- Revision ID: 1975ea83b712
-- Revises:
-- Create Date: 2026-02-02 09:00:00
--
-- The accounts table every other part of the service hangs off.

-- migrate:upgrade
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name VARCHAR(200) NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- migrate:downgrade
DROP TABLE users;
