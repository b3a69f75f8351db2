-- Renames and a type change
--
-- Revision ID: unsafe07
-- Revises: unsafe06
-- Create Date: 2026-11-24 10:00:00
--
-- Flags: renaming-column, renaming-table, changing-column-type.

-- migrate:upgrade
SET LOCAL lock_timeout = '2s';
ALTER TABLE accounts RENAME COLUMN email TO email_address;
ALTER TABLE orders RENAME TO purchases;
ALTER TABLE purchases ALTER COLUMN total TYPE numeric(14, 4);

-- migrate:downgrade
SET LOCAL lock_timeout = '2s';
ALTER TABLE purchases ALTER COLUMN total TYPE numeric(12, 2);
ALTER TABLE purchases RENAME TO orders;
ALTER TABLE accounts RENAME COLUMN email_address TO email;
