#!/usr/bin/env bats
# files/max-pods-calculator.sh with a stubbed `aws ec2 describe-instance-types`.

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
  CALC="${FILES_DIR}/max-pods-calculator.sh"
}

teardown() {
  node_teardown
}

@test "upstream case max-pods-cni-1-11-2: m5.8xlarge gives 234" {
  run "${CALC}" --instance-type m5.8xlarge --cni-version 1.11.2
  [ "${status}" -eq 0 ]
  [ "${output}" = 234 ]
  stub_calls aws | grep -q -- '^aws ec2 describe-instance-types --instance-types m5.8xlarge'
}

@test "upstream case max-pods-cni-1-11-2-delegation: m5.8xlarge with prefix delegation gives 250" {
  run "${CALC}" --instance-type m5.8xlarge --cni-version 1.11.2 --cni-prefix-delegation-enabled
  [ "${status}" -eq 0 ]
  [ "${output}" = 250 ]
}

@test "upstream case max-pods-cni-1-7-5: the instance type from IMDS (m4.xlarge) gives 58" {
  run scratch_run "${CALC}" --instance-type-from-imds --cni-version 1.7.5
  [ "${status}" -eq 0 ]
  [ "${output}" = 58 ]
  stub_calls aws | grep -q -- '--instance-types m4.xlarge'
}

@test "--instance-type-from-imds exports the instance's region as AWS_DEFAULT_REGION" {
  AWS_DEFAULT_REGION=eu-west-1 run scratch_run "${CALC}" --instance-type-from-imds --cni-version 1.11.2
  [ "${status}" -eq 0 ]
  [ "$(cat "${STUB_STATE}/aws-region")" = AWS_DEFAULT_REGION=us-east-1 ]
}

@test "--show-max-allowed prints the raw value: 3714 with prefix delegation on m5.8xlarge" {
  run "${CALC}" --instance-type m5.8xlarge --cni-version 1.11.2 --cni-prefix-delegation-enabled --show-max-allowed
  [ "${status}" -eq 0 ]
  [ "${output}" = 3714 ]
}

@test "--show-max-allowed without prefix delegation equals the ENI formula" {
  run "${CALC}" --instance-type m5.8xlarge --cni-version 1.11.2 --show-max-allowed
  [ "${output}" = 234 ]
}

@test "instances with at most 30 vCPUs are capped at 110" {
  run "${CALC}" --instance-type m5.2xlarge --cni-version 1.11.2 --cni-prefix-delegation-enabled
  [ "${output}" = 110 ]
  run "${CALC}" --instance-type m5.2xlarge --cni-version 1.11.2 --cni-prefix-delegation-enabled --show-max-allowed
  [ "${output}" = 898 ]
}

@test "prefix delegation needs a CNI newer than 1.8" {
  run "${CALC}" --instance-type m5.8xlarge --cni-version 1.8.0 --cni-prefix-delegation-enabled
  [ "${output}" = 234 ]
  run "${CALC}" --instance-type m5.8xlarge --cni-version 1.9.0 --cni-prefix-delegation-enabled --show-max-allowed
  [ "${output}" = 3714 ]
  run "${CALC}" --instance-type m5.8xlarge --cni-version 2.0.0 --cni-prefix-delegation-enabled --show-max-allowed
  [ "${output}" = 3714 ]
}

@test "prefix delegation is ignored on non-nitro instances" {
  run "${CALC}" --instance-type m4.xlarge --cni-version 1.11.2 --cni-prefix-delegation-enabled
  [ "${output}" = 58 ]
}

@test "custom networking leaves one ENI out" {
  run "${CALC}" --instance-type m5.8xlarge --cni-version 1.11.2 --cni-custom-networking-enabled
  [ "${output}" = 205 ]
}

@test "--cni-max-eni limits the ENIs used, but never raises them" {
  run "${CALC}" --instance-type m5.8xlarge --cni-version 1.11.2 --cni-max-eni 2
  [ "${output}" = 60 ]
  run "${CALC}" --instance-type m4.xlarge --cni-version 1.11.2 --cni-max-eni 10
  [ "${output}" = 58 ]
  run "${CALC}" --instance-type m5.8xlarge --cni-version 1.11.2 --cni-max-eni 2 --cni-custom-networking-enabled
  [ "${output}" = 31 ]
}

@test "a missing CNI version is an error" {
  run "${CALC}" --instance-type m5.8xlarge
  [ "${status}" -eq 1 ]
  [[ "${output}" == *"You must specify a CNI Version"* ]]
}

@test "a missing instance type is an error" {
  run "${CALC}" --cni-version 1.11.2
  [ "${status}" -eq 1 ]
  [[ "${output}" == *"You must specify an instance type"* ]]
}

@test "an instance type EC2 does not know is an error" {
  run "${CALC}" --instance-type x9.huge --cni-version 1.11.2
  [ "${status}" -ne 0 ]
  [[ "${output}" == *"could not describe instance type x9.huge"* ]]
}

@test "an unknown flag prints usage and fails" {
  run "${CALC}" --instance-type m5.8xlarge --cni-version 1.11.2 --bogus
  [ "${status}" -eq 1 ]
  [[ "${output}" == *"unknown argument '--bogus'"* ]]
}

@test "-h and --help print the help and exit 1" {
  run "${CALC}" -h
  [ "${status}" -eq 1 ]
  [[ "${output}" == *"usage: max-pods-calculator.sh"* ]]
  run "${CALC}" --help
  [ "${status}" -eq 1 ]
  [[ "${output}" == *"--cni-prefix-delegation-enabled"* ]]
}
