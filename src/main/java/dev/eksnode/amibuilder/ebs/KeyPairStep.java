package dev.eksnode.amibuilder.ebs;

import dev.eksnode.amibuilder.aws.AwsErrors;
import dev.eksnode.amibuilder.pipeline.Resource;
import dev.eksnode.amibuilder.pipeline.ResourceKind;
import dev.eksnode.amibuilder.pipeline.Step;
import dev.eksnode.amibuilder.pipeline.UndoReport;
import dev.eksnode.amibuilder.remote.Ed25519Keys;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.util.List;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.ec2.model.Ec2Exception;
import software.amazon.awssdk.services.ec2.model.ResourceType;

/**
 * Imports a freshly generated ed25519 public key as {@code ami-builder-<build id>}; the private key
 * stays here.
 */
public final class KeyPairStep implements Step<BuildContext> {
  private volatile CreateAttempt attempt;

  @Override
  public String name() {
    return "key-pair";
  }

  static String keyName(BuildContext ctx) {
    return "ami-builder-" + ctx.buildId().value();
  }

  @Override
  public void run(BuildContext ctx) throws InterruptedException {
    String name = keyName(ctx);
    // The SSH client's own key type: the session that uses this key must be able to sign with it.
    // Made by the preflight meanwhile its look-ups ran, else here.
    Ed25519Keys.GeneratedKey generated = ctx.state().generatedKey();
    if (generated == null) {
      generated = Ed25519Keys.generate(name);
    }
    KeyPair pair = generated.keyPair();
    String line = generated.publicKeyLine();
    // The name carries the build id, so a key of that name is ours.
    CreateAttempt create =
        ctx.attempt(
            "ImportKeyPair",
            ResourceKind.KEY_PAIR,
            ctx.region(),
            name,
            () ->
                ctx.removers().stillThere(new Resource(ResourceKind.KEY_PAIR, name, ctx.region()))
                    ? List.of(name)
                    : List.of());
    attempt = create;
    String id =
        create.run(
            () -> {
              String keyPairId;
              try {
                keyPairId = importKey(ctx, name, line);
              } catch (Ec2Exception e) {
                // An SDK retry of a call that did succeed: the key is ours, but its material is
                // from this attempt only if the first one failed. Replace it to be sure.
                if (!"InvalidKeyPair.Duplicate".equals(AwsErrors.errorCode(e).orElse(""))) {
                  throw e;
                }
                create.answered(name);
                ctx.ec2().deleteKeyPair(r -> r.keyName(name));
                keyPairId = importKey(ctx, name, line);
              }
              create.answered(name);
              return keyPairId;
            });
    ctx.state().key(new BuildState.TemporaryKey(name, id, pair));
  }

  private static String importKey(BuildContext ctx, String name, String publicKeyLine) {
    return ctx.ec2()
        .importKeyPair(
            r ->
                r.keyName(name)
                    .publicKeyMaterial(
                        SdkBytes.fromString(publicKeyLine, StandardCharsets.US_ASCII))
                    .tagSpecifications(ctx.tags().specification(ResourceType.KEY_PAIR)))
        .keyPairId();
  }

  @Override
  public void undo(BuildContext ctx, UndoReport report) {
    CreateAttempt create = attempt;
    if (create == null) {
      return;
    }
    for (Resource key : create.createdResources(report)) {
      ctx.removers().remove(key, report);
    }
  }
}
