-- Create the tables (type hygiene, no downgrade)
--
-- Revision ID: unsafe01
-- Revises: 
-- Create Date: 2026-11-24 10:00:00
--
-- Flags: prefer-identity, prefer-text, prefer-timestamptz, avoid-money, prefer-jsonb, avoid-char,
-- missing-downgrade. (Indexes on tables created in the same revision are fine.)

-- migrate:upgrade
CREATE TABLE accounts (
  id serial PRIMARY KEY,
  email varchar(255) NOT NULL,
  country char(2),
  balance money,
  data json,
  created_at timestamp DEFAULT now()
);
CREATE TABLE orders (id bigint PRIMARY KEY, account_id bigint, total numeric(12, 2));
CREATE TABLE events (payload text);
CREATE TABLE measurements (at date NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE measurements_2020 PARTITION OF measurements
  FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');
CREATE INDEX orders_account_id ON orders (account_id);
