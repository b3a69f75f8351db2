CREATE INDEX ix ON t (a, (b || c)) WHERE a > 0;
