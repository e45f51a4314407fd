#!/usr/bin/env bats
# install-worker.sh image caching: which images are pulled (eksbuild countdown), how they are
# re-tagged per region (FIPS, plain vpc-cni tags), the builder-supplied env contract and its
# fallback to instance-side lookups, and skipping in the iso regions.

load test_helper
load worker_fixture

ECR=602401143452.dkr.ecr.us-west-2.amazonaws.com

setup() {
  worker_setup
  export CACHE_CONTAINER_IMAGES=true
  addon_fixture kube-proxy v1.23.7-eksbuild.1 v1.23.15-eksbuild.2 v1.23.8-eksbuild.2
  addon_fixture vpc-cni v1.11.4-eksbuild.1 v1.12.2-eksbuild.1
}

teardown() {
  common_teardown
}

pulls() {
  grep '^pull-image ' "$CALLS" | cut -d' ' -f2
}

tags() {
  grep '^ctr -n k8s.io image tag ' "$CALLS" | cut -d' ' -f6-
}

@test "caching off: nothing is pulled" {
  CACHE_CONTAINER_IMAGES=false run_worker
  [ "$status" -eq 0 ]
  refute_called_matching '^pull-image|^ctr|describe-addon-versions'
  [ ! -e "$(upper /etc/containerd/config.toml)" ]
}

@test "fallback lookups: ECR from get-ecr-uri.sh with the bucket region, versions from the EKS API" {
  run_worker
  [ "$status" -eq 0 ]
  assert_called "imds latest/meta-data/services/domain"
  assert_called "get-ecr-uri us-west-2 amazonaws.com"
  assert_called "aws eks describe-addon-versions --addon-name kube-proxy --kubernetes-version=1.23"
  assert_called "aws eks describe-addon-versions --addon-name vpc-cni --kubernetes-version=1.23"
  assert_called "aws ec2 describe-regions --all-regions"
  local expected
  expected="$ECR/eks/pause:3.5
$ECR/eks/kube-proxy:v1.23.7-eksbuild.1
$ECR/eks/kube-proxy:v1.23.7-minimal-eksbuild.1
$ECR/eks/kube-proxy:v1.23.15-eksbuild.2
$ECR/eks/kube-proxy:v1.23.15-minimal-eksbuild.2
$ECR/amazon-k8s-cni-init:v1.11.4-eksbuild.1
$ECR/amazon-k8s-cni:v1.11.4-eksbuild.1
$ECR/amazon-k8s-cni-init:v1.12.2-eksbuild.1
$ECR/amazon-k8s-cni:v1.12.2-eksbuild.1"
  [ "$(pulls)" = "$expected" ]
}

@test "the containerd config gets the cached pause image and the sandbox unit is enabled" {
  run_worker
  [ "$status" -eq 0 ]
  [ "$(cat "$(upper /etc/containerd/config.toml)")" = "sandbox_image = \"$ECR/eks/pause:3.5\"" ]
  [ "$(cat "$(upper /etc/eks/containerd/containerd-cached-pause-config.toml)")" = "sandbox_image = \"$ECR/eks/pause:3.5\"" ]
  # the template itself keeps its placeholder for bootstrap.sh
  assert_file_contains "$(upper /etc/eks/containerd/containerd-config.toml)" SANDBOX_IMAGE
  [ -f "$(upper /etc/systemd/system/sandbox-image.service)" ]
  assert_called "systemctl start containerd"
  assert_called "systemctl enable containerd sandbox-image"
  [ "$(call_line "systemctl start containerd")" -lt "$(grep -n '^pull-image' "$CALLS" | head -n 1 | cut -d: -f1)" ]
}

@test "1.24 and later: only the minimal kube-proxy images" {
  KUBERNETES_VERSION=1.24.10 run_worker
  [ "$status" -eq 0 ]
  assert_called "aws eks describe-addon-versions --addon-name kube-proxy --kubernetes-version=1.24"
  pulls | grep -q 'kube-proxy:v1.23.7-minimal-eksbuild.1'
  ! pulls | grep -q 'kube-proxy:v1.23.7-eksbuild.1' || false
  ! pulls | grep -q 'kube-proxy:v1.23.15-eksbuild.2' || false
}

@test "eksbuild countdown: a missing eksbuild.2 tag falls back to eksbuild.1 and that one is tagged" {
  echo "$ECR/eks/kube-proxy:v1.23.15-minimal-eksbuild.2" > "$PULL_FAIL"
  run_worker
  [ "$status" -eq 0 ]
  local attempts
  attempts=$(pulls | grep 'v1.23.15-minimal')
  [ "$attempts" = "$ECR/eks/kube-proxy:v1.23.15-minimal-eksbuild.2
$ECR/eks/kube-proxy:v1.23.15-minimal-eksbuild.1" ]
  tags | grep -qx "$ECR/eks/kube-proxy:v1.23.15-minimal-eksbuild.1 ${ECR/us-west-2/eu-west-1}/eks/kube-proxy:v1.23.15-minimal-eksbuild.1"
  ! tags | grep -q "v1.23.15-minimal-eksbuild.2" || false
}

@test "eksbuild countdown starts at the addon's build number and walks down to 1" {
  KUBE_PROXY_VERSIONS=v1.23.15-eksbuild.4 VPC_CNI_VERSIONS=none ECR_URI="$ECR" IMAGE_TAG_REGIONS=us-west-2
  export KUBE_PROXY_VERSIONS VPC_CNI_VERSIONS ECR_URI IMAGE_TAG_REGIONS
  printf '%s\n' "$ECR/eks/kube-proxy:v1.23.15-eksbuild.4" "$ECR/eks/kube-proxy:v1.23.15-eksbuild.3" > "$PULL_FAIL"
  run_worker
  [ "$status" -eq 0 ]
  [ "$(pulls | grep -c 'kube-proxy:v1.23.15-eksbuild')" -eq 3 ]
  pulls | grep -qx "$ECR/eks/kube-proxy:v1.23.15-eksbuild.2"
}

@test "the build fails when even eksbuild.1 cannot be pulled" {
  printf '%s\n' "$ECR/amazon-k8s-cni:v1.12.2-eksbuild.1" > "$PULL_FAIL"
  run_worker
  [ "$status" -eq 1 ]
  assert_output_contains "could not pull $ECR/amazon-k8s-cni:v1.12.2-eksbuild.1"
}

@test "an image without eksbuild gets a single attempt" {
  echo "$ECR/eks/pause:3.5" > "$PULL_FAIL"
  run_worker
  [ "$status" -eq 1 ]
  [ "$(pulls)" = "$ECR/eks/pause:3.5" ]
}

@test "retags every image for every region, with FIPS variants in the FIPS regions" {
  run_worker
  [ "$status" -eq 0 ]
  local img="$ECR/amazon-k8s-cni:v1.11.4-eksbuild.1"
  local east=602401143452.dkr.ecr.us-east-1.amazonaws.com
  local eu=602401143452.dkr.ecr.eu-west-1.amazonaws.com
  local fips=602401143452.dkr.ecr-fips.us-east-1.amazonaws.com
  tags | grep -qx "$img $east/amazon-k8s-cni:v1.11.4-eksbuild.1"
  tags | grep -qx "$img $fips/amazon-k8s-cni:v1.11.4-eksbuild.1"
  tags | grep -qx "$img $fips/amazon-k8s-cni:v1.11.4"
  # vpc-cni eksbuild.1 is also the plain version tag in every region
  tags | grep -qx "$img $east/amazon-k8s-cni:v1.11.4"
  tags | grep -qx "$img $eu/amazon-k8s-cni:v1.11.4"
  tags | grep -qx "$img $eu/amazon-k8s-cni:v1.11.4-eksbuild.1"
  ! tags | grep -q "ecr-fips.eu-west-1" || false
  # the build region's own FIPS endpoint
  tags | grep -qx "$img 602401143452.dkr.ecr-fips.us-west-2.amazonaws.com/amazon-k8s-cni:v1.11.4-eksbuild.1"
  # kube-proxy eksbuild.2 keeps its suffix; only eksbuild.1 is stripped
  local kp="$ECR/eks/kube-proxy:v1.23.15-minimal-eksbuild.2"
  tags | grep -qx "$kp $fips/eks/kube-proxy:v1.23.15-minimal-eksbuild.2"
  ! tags | grep -qx "$kp $eu/eks/kube-proxy:v1.23.15-minimal" || false
  # 9 images x 3 regions, plus FIPS pairs for 2 regions, plus plain vpc-cni tags (4 x 3)
  [ "$(tags | wc -l)" -eq $((9 * 3 + 9 * 2 * 2 + 4 * 3)) ]
}

@test "a failing tag does not stop the build" {
  stub ctr 'exit 1'
  run_worker
  [ "$status" -eq 0 ]
}

@test "builder-supplied ECR_URI, versions and regions replace every instance-side lookup" {
  export ECR_URI=013241004608.dkr.ecr.us-gov-west-1.amazonaws.com
  export KUBE_PROXY_VERSIONS="v1.23.7-eksbuild.1, v1.23.15-eksbuild.2"
  export VPC_CNI_VERSIONS="v1.12.2-eksbuild.1 v1.12.2-eksbuild.1"
  export IMAGE_TAG_REGIONS="us-gov-west-1,us-gov-east-1"
  BINARY_BUCKET_REGION=us-gov-west-1 run_worker
  [ "$status" -eq 0 ]
  refute_called_matching '^aws eks|^aws ec2|^imds latest/meta-data/services|^get-ecr-uri'
  local e=013241004608.dkr.ecr.us-gov-west-1.amazonaws.com
  [ "$(pulls)" = "$e/eks/pause:3.5
$e/eks/kube-proxy:v1.23.7-eksbuild.1
$e/eks/kube-proxy:v1.23.7-minimal-eksbuild.1
$e/eks/kube-proxy:v1.23.15-eksbuild.2
$e/eks/kube-proxy:v1.23.15-minimal-eksbuild.2
$e/amazon-k8s-cni-init:v1.12.2-eksbuild.1
$e/amazon-k8s-cni:v1.12.2-eksbuild.1" ]
  tags | grep -qx "$e/eks/pause:3.5 013241004608.dkr.ecr.us-gov-east-1.amazonaws.com/eks/pause:3.5"
  tags | grep -qx "$e/eks/pause:3.5 013241004608.dkr.ecr-fips.us-gov-east-1.amazonaws.com/eks/pause:3.5"
  ! tags | grep -q "ecr-fips.us-gov-west-1" || false
}

@test "the builder's three variables (as the shipped template passes them): no EKS call and no registry lookup" {
  # What ami-builder resolves before launch; IMAGE_TAG_REGIONS is not among them.
  export ECR_URI=877085696533.dkr.ecr.af-south-1.amazonaws.com
  export KUBE_PROXY_VERSIONS=v1.23.7-eksbuild.1,v1.23.16-eksbuild.2
  export VPC_CNI_VERSIONS=v1.11.4-eksbuild.1,v1.12.2-eksbuild.1
  BINARY_BUCKET_REGION=af-south-1 run_worker
  [ "$status" -eq 0 ]
  refute_called_matching '^aws eks'
  refute_called_matching 'describe-addon-versions'
  refute_called_matching '^imds latest/meta-data/services|^get-ecr-uri'
  # the region list is still the instance's own lookup
  assert_called "aws ec2 describe-regions --all-regions"
  local e=$ECR_URI
  [ "$(pulls)" = "$e/eks/pause:3.5
$e/eks/kube-proxy:v1.23.7-eksbuild.1
$e/eks/kube-proxy:v1.23.7-minimal-eksbuild.1
$e/eks/kube-proxy:v1.23.16-eksbuild.2
$e/eks/kube-proxy:v1.23.16-minimal-eksbuild.2
$e/amazon-k8s-cni-init:v1.11.4-eksbuild.1
$e/amazon-k8s-cni:v1.11.4-eksbuild.1
$e/amazon-k8s-cni-init:v1.12.2-eksbuild.1
$e/amazon-k8s-cni:v1.12.2-eksbuild.1" ]
}

@test "an empty builder variable falls back to that lookup only" {
  export ECR_URI=$ECR
  export KUBE_PROXY_VERSIONS=v1.23.7-eksbuild.1
  export VPC_CNI_VERSIONS=""
  run_worker
  [ "$status" -eq 0 ]
  refute_called_matching 'addon-name kube-proxy'
  assert_called "aws eks describe-addon-versions --addon-name vpc-cni --kubernetes-version=1.23"
  refute_called_matching '^imds latest/meta-data/services|^get-ecr-uri'
}

@test "versions 'none' (or an empty EKS answer) cache only the pause image" {
  KUBE_PROXY_VERSIONS=none VPC_CNI_VERSIONS=none run_worker
  [ "$status" -eq 0 ]
  [ "$(pulls)" = "$ECR/eks/pause:3.5" ]
  refute_called_matching '^aws eks'
  fresh_root
  rm "$ADDON_DIR"/*.json
  run_worker
  [ "$status" -eq 0 ]
  [ "$(pulls)" = "$ECR/eks/pause:3.5" ]
}

@test "a kube-proxy version without a platform suffix is rejected" {
  KUBE_PROXY_VERSIONS=v1.23.7 run_worker
  [ "$status" -eq 1 ]
  assert_output_contains "kube-proxy addon version 'v1.23.7' has no platform suffix"
}

@test "iso regions skip image caching" {
  local region
  for region in us-iso-east-1 us-isob-east-1; do
    fresh_root
    BINARY_BUCKET_REGION=$region run_worker
    [ "$status" -eq 0 ]
    assert_output_contains "image caching is not available in $region, skipping"
    refute_called_matching '^pull-image|^ctr|describe-addon-versions'
  done
}

@test "a failed DescribeAddonVersions (AccessDenied) aborts before any pull and names the way out" {
  local addon variable
  for addon in kube-proxy vpc-cni; do
    fresh_root
    variable=KUBE_PROXY_VERSIONS
    [[ "$addon" == vpc-cni ]] && variable=VPC_CNI_VERSIONS
    # the other addon's versions are given, so only this addon's lookup can fail the build
    if [[ "$addon" == kube-proxy ]]; then export VPC_CNI_VERSIONS=none; else export KUBE_PROXY_VERSIONS=none; fi
    AWS_FAIL_CALL="eks describe-addon-versions" run_worker
    unset KUBE_PROXY_VERSIONS VPC_CNI_VERSIONS
    [ "$status" -eq 1 ]
    assert_output_contains "aws eks describe-addon-versions --addon-name $addon failed (the instance needs eks:DescribeAddonVersions); set $variable to skip the lookup"
    refute_called_matching '^pull-image|^ctr '
    refute_called_matching '^yum install -y amazon-ssm-agent'
    [ ! -e "$(upper /etc/eks/release)" ]
  done
}

@test "a DescribeAddonVersions answer without an addons list aborts" {
  echo 'not json' > "$ADDON_DIR/kube-proxy.json"
  run_worker
  [ "$status" -eq 1 ]
  assert_output_contains "aws eks describe-addon-versions --addon-name kube-proxy gave an answer without an addons list"
  refute_called_matching '^pull-image'
}

@test "a failed DescribeRegions aborts before any pull" {
  AWS_FAIL_CALL="ec2 describe-regions" run_worker
  [ "$status" -eq 1 ]
  assert_output_contains "aws ec2 describe-regions failed (the instance needs ec2:DescribeRegions); set IMAGE_TAG_REGIONS to skip the lookup"
  refute_called_matching '^pull-image'
}

@test "no services/domain from IMDS aborts instead of building a registry name ending in a dot" {
  IMDS_DOMAIN=fail run_worker
  [ "$status" -eq 1 ]
  assert_output_contains "cannot read services/domain from IMDS to find the ECR registry; set ECR_URI or check IMDS access"
  refute_called_matching '^get-ecr-uri|^pull-image|^aws eks'
  fresh_root
  IMDS_DOMAIN="" run_worker
  [ "$status" -eq 1 ]
  assert_output_contains "IMDS returned an empty services/domain, so the ECR registry is unknown; set ECR_URI"
  refute_called_matching '^get-ecr-uri|^pull-image'
}
