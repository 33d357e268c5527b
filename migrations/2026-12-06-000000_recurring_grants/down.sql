DROP TABLE grant_next_edges;
ALTER TABLE grants DROP COLUMN repeat_last_date;
ALTER TABLE grants DROP COLUMN repeat_first_date;
ALTER TABLE grants DROP COLUMN repeat_to;
ALTER TABLE grants DROP COLUMN repeat_from;
ALTER TABLE grants DROP COLUMN repeat_days;
