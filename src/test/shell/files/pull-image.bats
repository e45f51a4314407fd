#!/usr/bin/env bats
# files/pull-image.sh and files/pull-sandbox-image.sh with stubbed aws, ctr and sleep.

load test_helper

IMAGE="602401143452.dkr.ecr.us-west-2.amazonaws.com/eks/pause:3.5"

setup() {
  node_setup
}

teardown() {
  node_teardown
}

sleeps() {
  stub_calls sleep | awk '{ print $2 }'
}

@test "pull-image.sh logs in to the image's region and fetches it into k8s.io" {
  run "${FILES_DIR}/pull-image.sh" "${IMAGE}"
  [ "${status}" -eq 0 ]
  [ "$(stub_calls aws)" = "aws ecr get-login-password --region us-west-2" ]
  [ "$(stub_calls ctr)" = "ctr --namespace k8s.io content fetch ${IMAGE} --user AWS:ecr-secret" ]
  [ "$(stub_call_count sleep)" -eq 0 ]
}

@test "pull-image.sh retries a failed login with exponential backoff and jitter" {
  stub_statuses ecr-login 255 255 0
  run "${FILES_DIR}/pull-image.sh" "${IMAGE}"
  [ "${status}" -eq 0 ]
  [ "$(stub_call_count aws)" -eq 3 ]
  mapfile -t waited < <(sleeps)
  [ "${#waited[@]}" -eq 2 ]
  ((waited[0] >= 11 && waited[0] <= 20))
  ((waited[1] >= 21 && waited[1] <= 30))
  [ "$(stub_call_count ctr)" -eq 1 ]
}

@test "pull-image.sh gives up after four fetch attempts with the fetch's exit status" {
  stub_statuses ctr-fetch 7 7 7 7
  run "${FILES_DIR}/pull-image.sh" "${IMAGE}"
  [ "${status}" -eq 7 ]
  [ "$(stub_call_count ctr)" -eq 4 ]
  mapfile -t waited < <(sleeps)
  [ "${#waited[@]}" -eq 3 ]
  ((waited[2] >= 41 && waited[2] <= 50))
  [[ "${output}" == *"attempt 3 of 3"* ]]
}

@test "RETRY_SLEEP_SCALE scales the backoff; 0 retries without sleeping" {
  stub_statuses ctr-fetch 1 0
  RETRY_SLEEP_SCALE=0 run "${FILES_DIR}/pull-image.sh" "${IMAGE}"
  [ "${status}" -eq 0 ]
  [ "$(stub_call_count ctr)" -eq 2 ]
  [ "$(stub_call_count sleep)" -eq 0 ]
  stub_statuses ctr-fetch 1 0
  RETRY_SLEEP_SCALE=3 run "${FILES_DIR}/pull-image.sh" "${IMAGE}"
  mapfile -t waited < <(sleeps)
  ((waited[0] >= 33 && waited[0] <= 60 && waited[0] % 3 == 0))
}

@test "pull-image.sh fails when the ECR password is empty" {
  : > "${STUB_STATE}/ecr-password"
  run "${FILES_DIR}/pull-image.sh" "${IMAGE}"
  [ "${status}" -eq 1 ]
  [[ "${output}" == *"Unable to retrieve the ECR password."* ]]
  [ "$(stub_call_count ctr)" -eq 0 ]
}

@test "pull-image.sh without an image prints usage and exits 1" {
  run "${FILES_DIR}/pull-image.sh"
  [ "${status}" -eq 1 ]
  [[ "${output}" == *"usage: pull-image.sh IMAGE"* ]]
}

render_containerd_config() {
  local target
  target="$(root_path /etc/containerd/config.toml)"
  mkdir -p "$(dirname "${target}")"
  sed "s|SANDBOX_IMAGE|$1|" "${FILES_DIR}/containerd-config.toml" > "${target}"
}

@test "pull-sandbox-image.sh does nothing when the sandbox image is already present" {
  render_containerd_config "${IMAGE}"
  echo "${IMAGE}" > "${STUB_STATE}/ctr-images"
  run scratch_run "${FILES_DIR}/pull-sandbox-image.sh"
  [ "${status}" -eq 0 ]
  [ "$(stub_call_count aws)" -eq 0 ]
  [ "$(stub_calls ctr)" = "ctr -n k8s.io image ls" ]
}

@test "pull-sandbox-image.sh pulls the configured sandbox image when it is missing" {
  render_containerd_config "${IMAGE}"
  echo "602401143452.dkr.ecr.us-west-2.amazonaws.com/eks/kube-proxy:v1.24.7" > "${STUB_STATE}/ctr-images"
  run scratch_run "${FILES_DIR}/pull-sandbox-image.sh"
  [ "${status}" -eq 0 ]
  stub_calls ctr | grep -qF "ctr --namespace k8s.io content fetch ${IMAGE} --user AWS:ecr-secret"
}

@test "pull-sandbox-image.sh fails when the config names no sandbox image" {
  local target
  target="$(root_path /etc/containerd/config.toml)"
  mkdir -p "$(dirname "${target}")"
  echo 'version = 2' > "${target}"
  run scratch_run "${FILES_DIR}/pull-sandbox-image.sh"
  [ "${status}" -eq 1 ]
  [[ "${output}" == *"no sandbox_image"* ]]
}
