-- Create orders
--
-- Revision ID: a41c7e5d2b90
-- Revises: 3f2a9c1b7d4e
-- Branch Labels: orders
-- Create Date: 2026-02-10 14:05:12
--
-- Written by the checkout team on their own branch, in parallel with the
-- email index below; the two branches are joined by a merge revision.

-- migrate:upgrade
CREATE TABLE orders (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    total_cents BIGINT NOT NULL CHECK (total_cents >= 0),
    placed_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX ix_orders_user_id ON orders (user_id);

-- migrate:downgrade
DROP INDEX ix_orders_user_id;
DROP TABLE orders;
