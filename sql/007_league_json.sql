-- The public league endpoints' bodies are built by the database in one statement each, so a
-- page load costs the service about what one round trip costs (SPEC §5, the 10,000-user
-- target). The aggregation rules of a league's own status live here, once.

-- outdata if any tournament is, else syncing if any is, else up-to-date (also for none).
create function league_status(statuses text[]) returns text
language sql immutable parallel safe as $$
    select case when 'outdata' = any(statuses) then 'outdata'
                when 'syncing' = any(statuses) then 'syncing'
                else 'up-to-date' end
$$;

-- The oldest update of a league's tournaments; null when any is null (or it follows none).
create function oldest_update(stamps timestamptz[]) returns timestamptz
language sql immutable parallel safe as $$
    select case when cardinality(stamps) > 0 and array_position(stamps, null) is null
                then (select min(s) from unnest(stamps) as s) end
$$;
