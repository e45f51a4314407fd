#!/usr/bin/env bats
# install_additional_repos.sh and cleanup_additional_repos.sh: parsing ADDITIONAL_YUM_REPOS
# (records ';', fields ',', key=value at the first '='), optional priority, and removal.

load test_helper

setup() {
  common_setup
  unset ADDITIONAL_YUM_REPOS
}

teardown() {
  common_teardown
}

repo_file() {
  upper "/etc/yum.repos.d/$1.repo"
}

@test "empty: nothing to do" {
  run root_run "$SCRIPTS_DIR/install_additional_repos.sh"
  [ "$status" -eq 0 ]
  [ "$output" = "no additional yum repo, skipping" ]
  [ -z "$(ls -A "$SCRATCH/ovl/etc/u")" ]
  run root_run "$SCRIPTS_DIR/cleanup_additional_repos.sh"
  [ "$status" -eq 0 ]
  [ "$output" = "no additional yum repo, skipping" ]
}

@test "one record with a priority" {
  export ADDITIONAL_YUM_REPOS='repo=patches-repo,name=Install patches,baseurl=http://amazonlinux.$awsregion.$awsdomain/xxxx,priority=10'
  run root_run "$SCRIPTS_DIR/install_additional_repos.sh"
  [ "$status" -eq 0 ]
  [ "$(cat "$(repo_file patches-repo)")" = '[patches-repo]
name=Install patches
baseurl=http://amazonlinux.$awsregion.$awsdomain/xxxx
priority=10' ]
}

@test "several records; priority optional; unknown keys ignored; value split at the first '='" {
  export ADDITIONAL_YUM_REPOS='repo=one,name=First,baseurl=https://repo.example/one?a=b;repo=two,name=Second,baseurl=https://repo.example/two,gpgcheck=0'
  run root_run "$SCRIPTS_DIR/install_additional_repos.sh"
  [ "$status" -eq 0 ]
  [ "$(cat "$(repo_file one)")" = '[one]
name=First
baseurl=https://repo.example/one?a=b' ]
  [ "$(cat "$(repo_file two)")" = '[two]
name=Second
baseurl=https://repo.example/two' ]
}

@test "field order does not matter and an empty name stays empty" {
  export ADDITIONAL_YUM_REPOS='baseurl=https://r.example/x,priority=5,repo=x;'
  run root_run "$SCRIPTS_DIR/install_additional_repos.sh"
  [ "$status" -eq 0 ]
  [ "$(cat "$(repo_file x)")" = '[x]
name=
baseurl=https://r.example/x
priority=5' ]
}

@test "a record without a repo id is rejected before anything is written" {
  export ADDITIONAL_YUM_REPOS='repo=good,baseurl=https://r.example/g;name=broken,baseurl=https://r.example/b'
  run root_run "$SCRIPTS_DIR/install_additional_repos.sh"
  [ "$status" -eq 1 ]
  assert_output_contains "install_additional_repos.sh: record 2 has no usable repo=<id>"
  [ ! -e "$(repo_file good)" ]
}

@test "cleanup removes every record's repo file and nothing else" {
  export ADDITIONAL_YUM_REPOS='repo=one,baseurl=https://r.example/1;repo=two,baseurl=https://r.example/2,priority=1'
  cat > "$SCRATCH/seed.sh" << 'SEED'
mkdir -p /etc/yum.repos.d
for name in one two amzn2-core; do echo "[$name]" > "/etc/yum.repos.d/$name.repo"; done
SEED
  run root_run bash -c "'$SCRIPTS_DIR/cleanup_additional_repos.sh' && ls /etc/yum.repos.d"
  [ "$status" -eq 0 ]
  assert_output_contains "removed /etc/yum.repos.d/one.repo"
  assert_output_contains "removed /etc/yum.repos.d/two.repo"
  [ "$(echo "$output" | grep -c '\.repo$')" -eq 3 ]
  echo "$output" | grep -qx amzn2-core.repo
  ! echo "$output" | grep -qx one.repo || false
  ! echo "$output" | grep -qx two.repo || false
}

@test "cleanup of a repo that is already gone succeeds" {
  export ADDITIONAL_YUM_REPOS='repo=never-installed,baseurl=https://r.example/n'
  run root_run "$SCRIPTS_DIR/cleanup_additional_repos.sh"
  [ "$status" -eq 0 ]
}

@test "install then cleanup leaves no repo file behind" {
  export ADDITIONAL_YUM_REPOS='repo=a,baseurl=https://r.example/a;repo=b,baseurl=https://r.example/b'
  run root_run bash -c "'$SCRIPTS_DIR/install_additional_repos.sh' && ls /etc/yum.repos.d/a.repo /etc/yum.repos.d/b.repo && '$SCRIPTS_DIR/cleanup_additional_repos.sh' && ls /etc/yum.repos.d/"
  [ "$status" -eq 0 ]
  assert_output_contains "/etc/yum.repos.d/a.repo"
  ! echo "$output" | grep -qx 'a.repo' || false
  ! echo "$output" | grep -qx 'b.repo' || false
}
