-- strata:allow dropping-table
DROP TABLE t; -- strata:allow x
SELEC 1;
SELECT 'é';
