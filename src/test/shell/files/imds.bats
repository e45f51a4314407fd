#!/usr/bin/env bats
# files/bin/imds against a fake IMDSv2 server, with the token cache in a scratch /tmp.

load test_helper

setup_file() {
  fake_imds_start "${BATS_FILE_TMPDIR}/imds"
}

teardown_file() {
  fake_imds_stop
}

setup() {
  fake_imds_reset
  node_setup
  TOKENS="$(root_path /tmp/imds-tokens)"
}

teardown() {
  node_teardown
}

token_count() {
  find "${TOKENS}" -maxdepth 1 -type f 2> /dev/null | wc -l | tr -d ' '
}

put_count() {
  imds_requests | grep -c '^PUT /latest/api/token' || true
}

# Pre-seeds the cache with a token that expires at EPOCH.
seed_token() {
  mkdir -p "${TOKENS}"
  printf '%s' "$2" > "${TOKENS}/$1"
}

@test "prints the metadata value followed by a newline" {
  run scratch_run bash -c 'imds latest/meta-data/instance-type | od -c | head -n 2'
  [ "${status}" -eq 0 ]
  [[ "${output}" == *'m   4   .   x   l   a   r   g   e  \n'* ]]
}

@test "a leading slash in the path is ignored" {
  run scratch_run imds /latest/meta-data/placement/region
  [ "${status}" -eq 0 ]
  [ "${output}" = us-east-1 ]
  imds_requests | grep -q '^GET /latest/meta-data/placement/region$'
}

@test "the first call fetches a token with the default TTL of 900 seconds and caches it" {
  run scratch_run imds latest/meta-data/instance-type
  [ "${status}" -eq 0 ]
  [ "$(put_count)" -eq 1 ]
  imds_requests | grep -q '^PUT /latest/api/token ttl=900$'
  [ "$(token_count)" -eq 1 ]
  local name
  name="$(basename "$(find "${TOKENS}" -type f)")"
  local now
  now="$(date +%s)"
  ((name > now + 890 && name <= now + 900))
}

@test "a second call reuses the cached token" {
  scratch_run imds latest/meta-data/instance-type
  run scratch_run imds latest/meta-data/local-ipv4
  [ "${status}" -eq 0 ]
  [ "${output}" = 192.168.34.7 ]
  [ "$(put_count)" -eq 1 ]
  [ "$(token_count)" -eq 1 ]
}

@test "IMDS_TOKEN_TTL_SECONDS sets the requested token lifetime" {
  IMDS_TOKEN_TTL_SECONDS=60 scratch_run imds latest/meta-data/instance-type
  imds_requests | grep -q '^PUT /latest/api/token ttl=60$'
}

@test "an expired token is replaced but kept until the maximum TTL has passed" {
  seed_token "$(($(date +%s) - 10))" stale-token
  run scratch_run imds latest/meta-data/instance-type
  [ "${status}" -eq 0 ]
  [ "${output}" = m4.xlarge ]
  [ "$(put_count)" -eq 1 ]
  [ "$(token_count)" -eq 2 ]
}

@test "tokens that expired longer ago than IMDS_MAX_TOKEN_TTL_SECONDS are deleted" {
  local old=$(($(date +%s) - 30000))
  seed_token "${old}" ancient-token
  run scratch_run imds latest/meta-data/instance-type
  [ "${status}" -eq 0 ]
  [ ! -e "${TOKENS}/${old}" ]
  [ "$(token_count)" -eq 1 ]
}

@test "IMDS_MAX_TOKEN_TTL_SECONDS=0 deletes every expired token but keeps the valid one" {
  local now
  now="$(date +%s)"
  seed_token "$((now - 5))" expired-token
  scratch_run imds latest/meta-data/instance-type
  [ "$(token_count)" -eq 2 ]
  IMDS_MAX_TOKEN_TTL_SECONDS=0 scratch_run imds latest/meta-data/instance-type
  [ "$(token_count)" -eq 1 ]
  [ ! -e "${TOKENS}/$((now - 5))" ]
  [ "$(put_count)" -eq 1 ]
}

@test "the cache directory and token files are usable by every user" {
  scratch_run imds latest/meta-data/instance-type
  [ "$(stat -c %a "${TOKENS}")" = 777 ]
  [ "$(stat -c %a "$(find "${TOKENS}" -type f)")" = 777 ]
}

@test "a path the service does not know fails with a non-zero exit" {
  run scratch_run imds latest/meta-data/no-such-thing
  [ "${status}" -ne 0 ]
}

@test "IMDS_DEBUG=true logs the steps to stderr; by default nothing is logged" {
  run scratch_run imds latest/meta-data/instance-type
  [ "${output}" = m4.xlarge ]
  IMDS_DEBUG=true run scratch_run imds latest/meta-data/instance-type
  [ "${status}" -eq 0 ]
  [[ "${output}" == *"imds: reusing token"* ]]
  [[ "${output}" == *"imds: GET latest/meta-data/instance-type"* ]]
}

@test "IMDS_ENDPOINT selects the server; an unreachable one fails after IMDS_RETRIES" {
  IMDS_ENDPOINT=127.0.0.1:1 IMDS_RETRIES=0 run scratch_run imds latest/meta-data/instance-type
  [ "${status}" -ne 0 ]
  [ "$(put_count)" -eq 0 ]
}

@test "no argument, or more than one, prints usage and exits 1" {
  run scratch_run imds
  [ "${status}" -eq 1 ]
  [[ "${output}" == *"usage: imds API_PATH"* ]]
  run scratch_run imds a b
  [ "${status}" -eq 1 ]
  [[ "${output}" == *"usage: imds API_PATH"* ]]
}

@test "upstream case imds-token-refresh: tokens are reused, refreshed after expiry and collected" {
  # The original case's sequence (5 s TTL, 6 s pauses), run on a clock the test moves: `date +%s` reads a file,
  # so a loaded machine cannot stretch a pause past a token's lifetime.
  local clock="${BATS_TEST_TMPDIR}/clock"
  echo 1700000000 > "${clock}"
  stub date "if [[ \"\$*\" == +%s ]]; then cat '${clock}'; else exec /usr/bin/date \"\$@\"; fi"
  export IMDS_TOKEN_TTL_SECONDS=5
  scratch_run imds latest/meta-data/instance-type
  [ "$(token_count)" -eq 1 ]
  [ -f "${TOKENS}/1700000005" ]
  scratch_run imds latest/meta-data/instance-type
  [ "$(token_count)" -eq 1 ]
  echo 1700000006 > "${clock}"
  scratch_run imds latest/meta-data/instance-type
  [ "$(token_count)" -eq 2 ]
  [ -f "${TOKENS}/1700000011" ]
  echo 1700000012 > "${clock}"
  IMDS_MAX_TOKEN_TTL_SECONDS=5 scratch_run imds latest/meta-data/instance-type
  [ "$(token_count)" -eq 2 ]
  [ ! -e "${TOKENS}/1700000005" ]
  [ -f "${TOKENS}/1700000011" ]
  [ -f "${TOKENS}/1700000017" ]
  IMDS_MAX_TOKEN_TTL_SECONDS=0 scratch_run imds latest/meta-data/instance-type
  [ "$(token_count)" -eq 1 ]
  [ -f "${TOKENS}/1700000017" ]
  [ "$(put_count)" -eq 3 ]
}
