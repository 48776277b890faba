/** The text --help prints after each command's options: examples, secrets, exit codes. */

const FOOTER = `
Secrets: PGSWEEP_PASSWORD and PGSWEEP_BEARER_TOKEN, or the *-file flags; never
flag values. Repeatable settings take one value per line in the environment.`;

export const EXAMPLES = `
Examples:
  $ pgsweep --url http://pushgateway:9091 --ttl 2h
  $ pgsweep --url http://pushgateway:9091 --ttl 2h --dry-run
  $ pgsweep --ttl 1d --selector '{job=~"etl_.*"}' --exclude '{env="prod"}'
  $ pgsweep --ttl 2h --rule '{job="nightly_report"}=36h' --rule '{job=~"ci_.*"}=30m'
  $ PGSWEEP_PASSWORD=... pgsweep --url https://pgw:9091 --username sweeper --ca-file ca.pem --ttl 2h
  $ pgsweep --check --ttl 2h --output json    # CI smoke step: exit 3 if anything is stale
  $ pgsweep --ttl 2h --push-metrics    # also push pgsweep_* results to the gateway
  $ pgsweep --ttl 2h --schedule '*/15 * * * *' --listen :9099    # keep running
  $ pgsweep inspect --url http://pushgateway:9091    # why is the gateway big?
  $ pgsweep doctor --url http://pushgateway:9091 --fix
${FOOTER}
Exit codes: 0 success or nothing to do, 1 runtime failure or guard tripped,
            2 usage error, 3 stale groups found with --check, 130/143 on
            SIGINT/SIGTERM (0 in --schedule mode: a normal stop).
`;

export const INSPECT_EXAMPLES = `
Examples:
  $ pgsweep inspect --url http://pushgateway:9091
  $ pgsweep inspect --url http://pushgateway:9091 --output json | jq '.gateways[0].labels'

Reports group count and listing size, groups and series per job, distinct values
per grouping label (flagging unbounded ones such as run_id), the age
distribution and oldest groups, never-succeeded groups and groups whose last
push failed. Sends only GETs: deletes nothing.
${FOOTER}
Exit codes: 0 report printed, 1 gateway unreachable or listing unreadable,
            2 usage error, 130/143 on SIGINT/SIGTERM.
`;

export const RESTORE_EXAMPLES = `
Examples:
  $ pgsweep restore --url http://pushgateway:9091 --archive-file archive.jsonl --dry-run
  $ pgsweep restore --url http://pushgateway:9091 --archive-file archive.jsonl \\
      --selector '{job="etl_orders"}'

Pushes archived groups back, each with a PUT to its exact grouping key. The
whole file is checked first: a malformed record stops the run before any push.
Per key, the record with the newest push time wins. Only records archived from
--url are restored (--from-gateway picks another source). Groups the gateway
holds again are skipped unless --overwrite. push_time_seconds becomes the time
of the restore.
${FOOTER}
Exit codes: 0 restored (or dry run), 1 a push failed or the gateway could not
            be listed, 2 usage or archive file error, 130/143 on SIGINT/SIGTERM.
`;

export const DOCTOR_EXAMPLES = `
Examples:
  $ pgsweep doctor --url http://pushgateway:9091
  $ pgsweep doctor --url http://pushgateway:9091 --fix

Checks for: a full write queue (/-/healthy), a listing that crashes, a scrape
(/metrics) that fails, colliding {job="x"} and {job="x", instance=""} groups,
never-succeeded (phantom) groups, and keys that are not valid UTF-8.
--fix deletes, each through its exact key, then checks again: never-succeeded
(phantom) groups, the never-succeeded side of a collision, never-succeeded
groups with invalid UTF-8 keys, and the group that crashes the listing. That
last group is the only one it deletes after a successful push.
${FOOTER}
Exit codes: 0 healthy (with --fix: at the re-check), 1 problems found or left,
            or a runtime failure, 2 usage error, 130/143 on SIGINT/SIGTERM.
`;
