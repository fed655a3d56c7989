-- What the pipeline status (SPEC §9) reads, each served by an index, and the alert ledger.

-- The last run of each kind, however long the history.
create index tick_run_kind_started_idx on tick_run (kind, started_at desc);

-- "Has this failed round succeeded since?"
create index queue_job_key_completed_idx on queue_job (name, singleton_key, completed_at) where state = 'completed';

-- One Sentry alert per stuck item (a match, a league tournament) per day, whichever tick
-- or process notices it first.
create table stuck_alert (
    item text not null,
    day  date not null,
    primary key (item, day)
);
