-- Seed a lookup table the way a psql script would
--
-- Revision ID: unsafe11
-- Revises: unsafe10
-- Create Date: 2026-11-24 10:00:00
--
-- Flags: client-copy. The rows would have to follow the COPY on the client's side, as psql's
-- \copy sends them; a migration has no such rows. Use INSERT ... VALUES, or COPY from a file on
-- the database server.

-- migrate:upgrade
CREATE TABLE countries (code text PRIMARY KEY, name text NOT NULL);
COPY countries (code, name) FROM STDIN WITH (FORMAT csv);

-- migrate:downgrade
DROP TABLE countries;
