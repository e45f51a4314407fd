#!/usr/bin/env bats
# files/get-ecr-uri.sh: region to EKS image account table, default account and override.

setup() {
  GET_ECR_URI="${BATS_TEST_DIRNAME}/../../../../files/get-ecr-uri.sh"
}

REGION_ACCOUNTS=(
  "ap-east-1 800184023465" "me-south-1 558608220178" "cn-north-1 918309763551"
  "cn-northwest-1 961992271922" "us-gov-west-1 013241004608" "us-gov-east-1 151742754352"
  "us-iso-east-1 725322719131" "us-isob-east-1 187977181151" "af-south-1 877085696533"
  "eu-south-1 590381155156" "ap-southeast-3 296578399912" "me-central-1 759879836304"
  "eu-south-2 455263428931" "eu-central-2 900612956339" "ap-south-2 900889452093"
)

@test "each of the 15 special regions maps to its own account" {
  [ "${#REGION_ACCOUNTS[@]}" -eq 15 ]
  local row region account
  for row in "${REGION_ACCOUNTS[@]}"; do
    read -r region account <<< "${row}"
    run "${GET_ECR_URI}" "${region}" amazonaws.com
    [ "${status}" -eq 0 ]
    [ "${output}" = "${account}.dkr.ecr.${region}.amazonaws.com" ] || {
      echo "${region}: ${output}" >&2
      return 1
    }
  done
}

@test "any other region uses the default account 602401143452" {
  run "${GET_ECR_URI}" us-west-2 amazonaws.com
  [ "${status}" -eq 0 ]
  [ "${output}" = "602401143452.dkr.ecr.us-west-2.amazonaws.com" ]
  run "${GET_ECR_URI}" eu-west-1 amazonaws.com
  [ "${output}" = "602401143452.dkr.ecr.eu-west-1.amazonaws.com" ]
}

@test "the domain argument is used verbatim" {
  run "${GET_ECR_URI}" cn-north-1 amazonaws.com.cn
  [ "${output}" = "918309763551.dkr.ecr.cn-north-1.amazonaws.com.cn" ]
  run "${GET_ECR_URI}" us-iso-east-1 c2s.ic.gov
  [ "${output}" = "725322719131.dkr.ecr.us-iso-east-1.c2s.ic.gov" ]
}

@test "a non-empty third argument overrides the table" {
  run "${GET_ECR_URI}" ap-east-1 amazonaws.com 111122223333
  [ "${status}" -eq 0 ]
  [ "${output}" = "111122223333.dkr.ecr.ap-east-1.amazonaws.com" ]
}

@test "an empty third argument keeps the table account" {
  run "${GET_ECR_URI}" me-south-1 amazonaws.com ""
  [ "${output}" = "558608220178.dkr.ecr.me-south-1.amazonaws.com" ]
}

@test "fewer than two arguments prints usage and exits 1" {
  run "${GET_ECR_URI}" us-west-2
  [ "${status}" -eq 1 ]
  [[ "${output}" == *"usage: get-ecr-uri.sh"* ]]
}
