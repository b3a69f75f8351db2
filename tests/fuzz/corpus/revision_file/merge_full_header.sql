-- Merge heads
-- Revision ID: m1
-- Revises: a1, b2
-- Branch Labels: billing, billing.v2
-- Depends On: x9, lib
-- Transactional: false

-- migrate:upgrade
CREATE INDEX CONCURRENTLY i ON t (c);
