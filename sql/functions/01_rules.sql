-- The contract's rules as pure functions, each stated once and called wherever it applies.
-- Immutable SQL functions the planner inlines: a rule costs nothing per row.
-- Repeatable file: `migrate` re-applies it whenever it changes (create or replace).

-- SPEC §7.3: one side of the scored pair — the final score after extra time, or the score
-- after 90 minutes — as the tournament's scoring_result says.
create or replace function scored_goals(scoring_result text, final_goals integer, regular_goals integer)
returns integer language sql immutable parallel safe as $$
    select case when scoring_result = 'after_extra_time' then final_goals else regular_goals end
$$;

-- SPEC §7.3: a prediction's tier against the scored pair: 3 exact, 2 goal difference (not for
-- a draw), 1 outcome, 0 nothing or no result.
create or replace function prediction_tier(p_home integer, p_away integer, r_home integer, r_away integer)
returns smallint language sql immutable parallel safe as $$
    select (case
        when r_home is null or r_away is null then 0
        when p_home = r_home and p_away = r_away then 3
        when r_home <> r_away and p_home - p_away = r_home - r_away then 2
        when sign(p_home - p_away) = sign(r_home - r_away) then 1
        else 0
    end)::smallint
$$;

-- A prediction's tier on an ended match's stored scores under the tournament's scoring_result.
create or replace function scored_tier(scoring_result text, p_home integer, p_away integer,
                                       home_score integer, away_score integer,
                                       home_score_regular integer, away_score_regular integer)
returns smallint language sql immutable parallel safe as $$
    select prediction_tier(p_home, p_away, scored_goals(scoring_result, home_score, home_score_regular),
                           scored_goals(scoring_result, away_score, away_score_regular))
$$;

-- SPEC §6.5: a match's scored outcome changed — it became ended, an ended match's scores
-- changed, or it left ended (a move to another tournament counts).
create or replace function match_outcome_changed(o match, n match)
returns boolean language sql immutable parallel safe as $$
    select (o.status = 'ended' or n.status = 'ended')
       and (o.tournament_id, o.status, o.home_score, o.away_score, o.home_score_regular, o.away_score_regular)
           is distinct from
           (n.tournament_id, n.status, n.home_score, n.away_score, n.home_score_regular, n.away_score_regular)
$$;

-- SPEC §7.8: a round's stable key, readable in a URL: its prefix, number and slug, e.g. "r1",
-- "r28-semifinals", "Qualification~r1".
create or replace function round_key(round_number integer, round_slug text, round_prefix text)
returns text language sql immutable parallel safe as $$
    -- || and not concat(), which is only stable: an immutable function over it is never inlined
    -- and costs every row a function call.
    select coalesce(round_prefix || '~', '') || 'r' || coalesce(round_number::text, '') || coalesce('-' || round_slug, '')
$$;

-- SPEC §7.8: the rounds_dirty_from of a change that touches every round of a league tournament
-- (a join, a leave, point values, a name): earlier than any kick-off (sql/011).
create or replace function all_rounds() returns timestamptz language sql immutable parallel safe as $$
    select timestamptz '1000-01-01 00:00:00+00'
$$;

-- What a match's predictions score, and in which round, changed: its scored outcome (above), or
-- the round of a match ended before and after (its points move to the other round).
create or replace function match_scoring_changed(o match, n match)
returns boolean language sql immutable parallel safe as $$
    select match_outcome_changed(o, n)
        or ((o.status = 'ended' or n.status = 'ended')
            and round_key(o.round_number, o.round_slug, o.round_prefix)
                <> round_key(n.round_number, n.round_slug, n.round_prefix))
$$;

-- SPEC §5: a league is outdata if any of its tournaments is, else syncing if any is, else
-- up-to-date (also when it follows none).
create or replace function league_status(statuses text[])
returns text language sql immutable parallel safe as $$
    select case when 'outdata' = any(statuses) then 'outdata'
                when 'syncing' = any(statuses) then 'syncing'
                else 'up-to-date' end
$$;

-- SPEC §5: the oldest update of a league's tournaments; null when any is null (or it follows none).
create or replace function oldest_update(stamps timestamptz[])
returns timestamptz language sql immutable parallel safe as $$
    select case when cardinality(stamps) > 0 and array_position(stamps, null) is null
                then (select min(s) from unnest(stamps) as s) end
$$;
