-- Adopting the app's database, step 3: the pipeline's indexes on the contract's tables, each
-- built concurrently (the app keeps writing), one statement a line, after steps 1-2 commit.
create index concurrently if not exists match_tournament_idx on match (tournament_id, round_number);
create index concurrently if not exists match_due_open_idx on match (start_time) where status = 'open';
create index concurrently if not exists match_due_postponed_idx on match (last_checked_at) where status = 'postponed';
create index concurrently if not exists match_due_settle_idx on match (settle_check_at) where settle_check_at is not null;
create index concurrently if not exists league_tournament_tournament_idx on league_tournament (tournament_id);
create index concurrently if not exists league_tournament_pending_idx on league_tournament (marked_outdata_at, id) where participants_scores_status <> 'up-to-date';
create index concurrently if not exists league_participant_user_idx on league_participant (user_id);
create index concurrently if not exists prediction_match_idx on prediction (match_id);
create index concurrently if not exists participant_score_position_idx on participant_score (league_tournament_id, position);
