#!/usr/bin/env bats
# files/bin/vercmp: operators, true/false output, exit codes and the kept quirks.

setup() {
  VERCMP="${BATS_TEST_DIRNAME}/../../../../files/bin/vercmp"
}

# Each row: LEFT OPERATOR RIGHT EXPECTED ("-" stands for an empty operand).
COMPARISONS=(
  "1.0.0 lt 1.0.1 true" "1.0.1 lt 1.0.0 false" "1.0.0 lt 1.0.0 false" "1.9.0 lt 1.10.0 true"
  "v1.0.0 lt v1.0.1 true" "v1.0.1 lt v1.0.0 false" "v1.0.0 lt v1.0.0 false" "1.24.9 lt 1.25.0 true"
  "1.0.0 lteq 1.0.1 true" "1.0.1 lteq 1.0.0 false" "1.0.0 lteq 1.0.0 true" "v1.0.0 lteq v1.0.1 true"
  "v1.0.1 lteq v1.0.0 false" "v1.0.0 lteq v1.0.0 true" "1.10.0 lteq 1.9.0 false"
  "1.0.0 eq 1.0.0 true" "1.0.0 eq 1.0.1 false" "v1.0.0 eq v1.0.0 true" "v1.0.0 eq v1.0.1 false"
  "1.25 eq 1.25.0 false"
  "1.0.1 gteq 1.0.0 true" "1.0.0 gteq 1.0.1 false" "1.0.0 gteq 1.0.0 true" "v1.0.1 gteq v1.0.0 true"
  "v1.0.0 gteq v1.0.1 false" "v1.0.0 gteq v1.0.0 true" "1.25.6 gteq 1.25.0 true" "1.24.10 gteq 1.25.0 false"
  "1.0.1 gt 1.0.0 true" "1.0.0 gt 1.0.1 false" "1.0.0 gt 1.0.0 false" "v1.0.1 gt v1.0.0 true"
  "v1.0.0 gt v1.0.1 false" "v1.0.0 gt v1.0.0 false" "1.10.0 gt 1.9.0 true" "1.25.0 gt 1.25 true"
  "2.0.0 gt 1.99.99 true" "1.22.0 lt 1.24.0 true" "1.21.14 gteq 1.22.0 false"
)

@test "upstream case vercmp: 39 comparisons print the expected answer and exit 0 for true, 1 for false" {
  [ "${#COMPARISONS[@]}" -ge 39 ]
  local row left op right expected expected_rc
  for row in "${COMPARISONS[@]}"; do
    read -r left op right expected <<< "${row}"
    expected_rc=1
    if [[ "${expected}" == true ]]; then expected_rc=0; fi
    run "${VERCMP}" "${left}" "${op}" "${right}"
    if [[ "${status}" -ne "${expected_rc}" || "${output}" != "${expected}" ]]; then
      echo "vercmp ${row}: got status ${status}, output '${output}'" >&2
      return 1
    fi
  done
}

@test "an empty left operand counts as greater than any version" {
  run "${VERCMP}" "" gteq 1.25.0
  [ "${status}" -eq 0 ]
  [ "${output}" = true ]
  run "${VERCMP}" "" lt 0.0.1
  [ "${status}" -eq 1 ]
  [ "${output}" = false ]
}

@test "an empty right operand counts as greater than any version" {
  run "${VERCMP}" 1.25.0 lt ""
  [ "${status}" -eq 0 ]
  [ "${output}" = true ]
  run "${VERCMP}" 1.25.0 gteq ""
  [ "${status}" -eq 1 ]
  [ "${output}" = false ]
}

@test "the help states that an empty operand on either side counts as greater" {
  run "${VERCMP}" --help
  [ "${status}" -eq 1 ]
  [[ "${output}" == *"an empty operand, LEFT or RIGHT, counts as greater than"* ]]
}

@test "two empty operands are equal" {
  run "${VERCMP}" "" eq ""
  [ "${status}" -eq 0 ]
  [ "${output}" = true ]
}

@test "1.25 is lower than 1.25.0" {
  run "${VERCMP}" 1.25 lt 1.25.0
  [ "${status}" -eq 0 ]
  [ "${output}" = true ]
}

@test "an unknown operator prints usage and exits 1" {
  run "${VERCMP}" 1.0.0 ne 1.0.1
  [ "${status}" -eq 1 ]
  [[ "${output}" == *"unknown operator 'ne'"* ]]
  [[ "${output}" == *"usage: vercmp"* ]]
}

@test "a wrong argument count prints usage and exits 1" {
  run "${VERCMP}" 1.0.0 lt
  [ "${status}" -eq 1 ]
  [[ "${output}" == *"usage: vercmp"* ]]
  run "${VERCMP}" 1.0.0 lt 1.0.1 extra
  [ "${status}" -eq 1 ]
  [[ "${output}" == *"usage: vercmp"* ]]
}
