-- Fencing tokens (SPEC §6.11): every claim of a round carries a token that grows with each
-- claim of that round. Each claim records its token here as it starts, and a round's write
-- is accepted only if no newer token has been recorded, checked in the same transaction as
-- the write. The queue may live elsewhere (Redis): this is what keeps a stale tick harmless.

alter table queue_job add column fence bigint;

create table round_fence (
    round_key  text primary key,
    token      bigint not null,
    applied_at timestamptz not null default now()
);

create index round_fence_applied_idx on round_fence (applied_at);
