package dev.eksnode.amibuilder.ebs;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.AttachedPolicy;
import software.amazon.awssdk.services.iam.model.DeleteInstanceProfileRequest;
import software.amazon.awssdk.services.iam.model.DeleteInstanceProfileResponse;
import software.amazon.awssdk.services.iam.model.DeleteRolePolicyRequest;
import software.amazon.awssdk.services.iam.model.DeleteRolePolicyResponse;
import software.amazon.awssdk.services.iam.model.DeleteRoleRequest;
import software.amazon.awssdk.services.iam.model.DeleteRoleResponse;
import software.amazon.awssdk.services.iam.model.DetachRolePolicyRequest;
import software.amazon.awssdk.services.iam.model.DetachRolePolicyResponse;
import software.amazon.awssdk.services.iam.model.GetInstanceProfileRequest;
import software.amazon.awssdk.services.iam.model.GetInstanceProfileResponse;
import software.amazon.awssdk.services.iam.model.GetRoleRequest;
import software.amazon.awssdk.services.iam.model.GetRoleResponse;
import software.amazon.awssdk.services.iam.model.IamException;
import software.amazon.awssdk.services.iam.model.InstanceProfile;
import software.amazon.awssdk.services.iam.model.ListAttachedRolePoliciesRequest;
import software.amazon.awssdk.services.iam.model.ListAttachedRolePoliciesResponse;
import software.amazon.awssdk.services.iam.model.ListInstanceProfilesForRoleRequest;
import software.amazon.awssdk.services.iam.model.ListInstanceProfilesForRoleResponse;
import software.amazon.awssdk.services.iam.model.ListInstanceProfilesRequest;
import software.amazon.awssdk.services.iam.model.ListInstanceProfilesResponse;
import software.amazon.awssdk.services.iam.model.ListRolePoliciesRequest;
import software.amazon.awssdk.services.iam.model.ListRolePoliciesResponse;
import software.amazon.awssdk.services.iam.model.ListRolesRequest;
import software.amazon.awssdk.services.iam.model.ListRolesResponse;
import software.amazon.awssdk.services.iam.model.RemoveRoleFromInstanceProfileRequest;
import software.amazon.awssdk.services.iam.model.RemoveRoleFromInstanceProfileResponse;
import software.amazon.awssdk.services.iam.model.Role;
import software.amazon.awssdk.services.iam.model.Tag;

/**
 * An in-memory IAM with the rules the removers must respect (a role with policies or in a profile
 * cannot be deleted, nor a profile holding a role), for the calls the removers make; calls are
 * recorded. Other calls are unsupported, as in the SDK's interface.
 */
final class FakeIam implements IamClient {
  record FakeRole(
      String path, Map<String, String> tags, Set<String> policies, Set<String> attached) {}

  record FakeProfile(String path, Map<String, String> tags, List<String> roles) {}

  final Map<String, FakeRole> roles = new LinkedHashMap<>();
  final Map<String, FakeProfile> profiles = new LinkedHashMap<>();
  final List<String> calls = new ArrayList<>();
  private final Map<String, Deque<RuntimeException>> failures = new HashMap<>();

  void role(String name, String path, Map<String, String> tags, String... policies) {
    roles.put(
        name,
        new FakeRole(path, tags, new LinkedHashSet<>(List.of(policies)), new LinkedHashSet<>()));
  }

  void profile(String name, String path, Map<String, String> tags, String... roleNames) {
    profiles.put(name, new FakeProfile(path, tags, new ArrayList<>(List.of(roleNames))));
  }

  /** The next calls of {@code action} fail with {@code errors}, then it works. */
  void fail(String action, RuntimeException... errors) {
    failures.computeIfAbsent(action, a -> new ArrayDeque<>()).addAll(List.of(errors));
  }

  static IamException error(int status, String code) {
    return (IamException)
        IamException.builder()
            .statusCode(status)
            .awsErrorDetails(
                AwsErrorDetails.builder().errorCode(code).errorMessage("fake " + code).build())
            .build();
  }

  private void call(String action, String name) {
    calls.add(action + " " + name);
    Deque<RuntimeException> queue = failures.get(action);
    if (queue != null && !queue.isEmpty()) {
      throw queue.poll();
    }
  }

  private FakeRole existingRole(String name) {
    FakeRole role = roles.get(name);
    if (role == null) {
      throw error(404, "NoSuchEntity");
    }
    return role;
  }

  private FakeProfile existingProfile(String name) {
    FakeProfile profile = profiles.get(name);
    if (profile == null) {
      throw error(404, "NoSuchEntity");
    }
    return profile;
  }

  private static List<Tag> tags(Map<String, String> tags) {
    return tags.entrySet().stream()
        .map(e -> Tag.builder().key(e.getKey()).value(e.getValue()).build())
        .toList();
  }

  private Role toRole(String name, boolean withTags) {
    FakeRole r = existingRole(name);
    Role.Builder b = Role.builder().roleName(name).path(r.path());
    return (withTags ? b.tags(tags(r.tags())) : b).build();
  }

  private InstanceProfile toProfile(String name, boolean withTags) {
    FakeProfile p = existingProfile(name);
    InstanceProfile.Builder b =
        InstanceProfile.builder()
            .instanceProfileName(name)
            .path(p.path())
            .roles(p.roles().stream().map(r -> Role.builder().roleName(r).build()).toList());
    return (withTags ? b.tags(tags(p.tags())) : b).build();
  }

  @Override
  public ListRolePoliciesResponse listRolePolicies(ListRolePoliciesRequest r) {
    call("ListRolePolicies", r.roleName());
    return ListRolePoliciesResponse.builder()
        .policyNames(List.copyOf(existingRole(r.roleName()).policies()))
        .isTruncated(false)
        .build();
  }

  @Override
  public ListAttachedRolePoliciesResponse listAttachedRolePolicies(
      ListAttachedRolePoliciesRequest r) {
    call("ListAttachedRolePolicies", r.roleName());
    return ListAttachedRolePoliciesResponse.builder()
        .attachedPolicies(
            existingRole(r.roleName()).attached().stream()
                .map(a -> AttachedPolicy.builder().policyArn(a).build())
                .toList())
        .isTruncated(false)
        .build();
  }

  @Override
  public ListInstanceProfilesForRoleResponse listInstanceProfilesForRole(
      ListInstanceProfilesForRoleRequest r) {
    call("ListInstanceProfilesForRole", r.roleName());
    existingRole(r.roleName());
    return ListInstanceProfilesForRoleResponse.builder()
        .instanceProfiles(
            profiles.entrySet().stream()
                .filter(e -> e.getValue().roles().contains(r.roleName()))
                .map(e -> toProfile(e.getKey(), false))
                .toList())
        .isTruncated(false)
        .build();
  }

  @Override
  public DeleteRolePolicyResponse deleteRolePolicy(DeleteRolePolicyRequest r) {
    call("DeleteRolePolicy", r.roleName() + "/" + r.policyName());
    if (!existingRole(r.roleName()).policies().remove(r.policyName())) {
      throw error(404, "NoSuchEntity");
    }
    return DeleteRolePolicyResponse.builder().build();
  }

  @Override
  public DetachRolePolicyResponse detachRolePolicy(DetachRolePolicyRequest r) {
    call("DetachRolePolicy", r.roleName() + "/" + r.policyArn());
    existingRole(r.roleName()).attached().remove(r.policyArn());
    return DetachRolePolicyResponse.builder().build();
  }

  @Override
  public RemoveRoleFromInstanceProfileResponse removeRoleFromInstanceProfile(
      RemoveRoleFromInstanceProfileRequest r) {
    call("RemoveRoleFromInstanceProfile", r.instanceProfileName() + "/" + r.roleName());
    if (!existingProfile(r.instanceProfileName()).roles().remove(r.roleName())) {
      throw error(404, "NoSuchEntity");
    }
    return RemoveRoleFromInstanceProfileResponse.builder().build();
  }

  @Override
  public DeleteRoleResponse deleteRole(DeleteRoleRequest r) {
    call("DeleteRole", r.roleName());
    FakeRole role = existingRole(r.roleName());
    boolean inProfile = profiles.values().stream().anyMatch(p -> p.roles().contains(r.roleName()));
    if (inProfile || !role.policies().isEmpty() || !role.attached().isEmpty()) {
      throw error(409, "DeleteConflict");
    }
    roles.remove(r.roleName());
    return DeleteRoleResponse.builder().build();
  }

  @Override
  public DeleteInstanceProfileResponse deleteInstanceProfile(DeleteInstanceProfileRequest r) {
    call("DeleteInstanceProfile", r.instanceProfileName());
    if (!existingProfile(r.instanceProfileName()).roles().isEmpty()) {
      throw error(409, "DeleteConflict");
    }
    profiles.remove(r.instanceProfileName());
    return DeleteInstanceProfileResponse.builder().build();
  }

  @Override
  public GetRoleResponse getRole(GetRoleRequest r) {
    call("GetRole", r.roleName());
    return GetRoleResponse.builder().role(toRole(r.roleName(), true)).build();
  }

  @Override
  public GetInstanceProfileResponse getInstanceProfile(GetInstanceProfileRequest r) {
    call("GetInstanceProfile", r.instanceProfileName());
    return GetInstanceProfileResponse.builder()
        .instanceProfile(toProfile(r.instanceProfileName(), true))
        .build();
  }

  @Override
  public ListRolesResponse listRoles(ListRolesRequest r) {
    call("ListRoles", r.pathPrefix());
    // As IAM: the listing leaves the tags out.
    return ListRolesResponse.builder()
        .roles(
            roles.entrySet().stream()
                .filter(e -> e.getValue().path().startsWith(r.pathPrefix()))
                .map(e -> toRole(e.getKey(), false))
                .toList())
        .isTruncated(false)
        .build();
  }

  @Override
  public ListInstanceProfilesResponse listInstanceProfiles(ListInstanceProfilesRequest r) {
    call("ListInstanceProfiles", r.pathPrefix());
    return ListInstanceProfilesResponse.builder()
        .instanceProfiles(
            profiles.entrySet().stream()
                .filter(e -> e.getValue().path().startsWith(r.pathPrefix()))
                .map(e -> toProfile(e.getKey(), false))
                .toList())
        .isTruncated(false)
        .build();
  }

  @Override
  public String serviceName() {
    return "iam";
  }

  @Override
  public void close() {}
}
