-- Adopting the app's database (SPEC §4.1), step 1, in one transaction with steps 2 and the
-- repeatable files: the pipeline's own columns on the contract's tables, as sql/001-011 leave
-- them. Each is metadata only (nullable, or a constant default), so no table is rewritten;
-- checks are added `not valid` and validated later without blocking writers.
-- Baseline: after this adoption the database is at versioned migration 011.

alter table match add column last_checked_at timestamptz;
alter table match add column settle_check_at timestamptz;

-- Past results count: every league tournament starts outdata (the existing rows take the
-- column's first default without a rewrite; later inserts get the contract's default, and
-- the insert trigger marks them anyway).
alter table league_tournament add column participants_scores_status text not null default 'outdata';
alter table league_tournament alter column participants_scores_status set default 'up-to-date';
alter table league_tournament add column participants_scores_updated_at timestamptz;
alter table league_tournament add column marked_outdata_at timestamptz not null default now();
alter table league_tournament alter column marked_outdata_at drop not null, alter column marked_outdata_at drop default;
alter table league_tournament add column sync_claimed_at timestamptz;
alter table league_tournament add column sync_run_id bigint;
alter table league_tournament add column rounds_dirty_from timestamptz default '1000-01-01 00:00:00+00';  -- all_rounds()
alter table league_tournament add constraint league_tournament_participants_scores_status_check
    check (participants_scores_status in ('outdata', 'syncing', 'up-to-date')) not valid;

alter table participant_score add column position integer;
