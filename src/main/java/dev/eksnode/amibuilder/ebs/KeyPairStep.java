package dev.eksnode.amibuilder.ebs;

import dev.eksnode.amibuilder.aws.AwsErrors;
import dev.eksnode.amibuilder.aws.ShieldedCall;
import dev.eksnode.amibuilder.pipeline.Resource;
import dev.eksnode.amibuilder.pipeline.ResourceKind;
import dev.eksnode.amibuilder.pipeline.Step;
import dev.eksnode.amibuilder.pipeline.UndoReport;
import java.nio.charset.StandardCharsets;
import dev.eksnode.amibuilder.remote.Ed25519Keys;
import java.security.KeyPair;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.ec2.model.Ec2Exception;
import software.amazon.awssdk.services.ec2.model.ResourceType;

/** Imports a freshly generated ed25519 public key as {@code ami-builder-<build id>}; the private key stays here. */
public final class KeyPairStep implements Step<BuildContext> {
  private volatile String created;
  private volatile boolean attempted;

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
    Ed25519Keys.GeneratedKey generated = Ed25519Keys.generate(name);
    KeyPair pair = generated.keyPair();
    String line = generated.publicKeyLine();
    attempted = true;
    String id = ShieldedCall.run("ImportKeyPair", () -> {
      String keyPairId;
      try {
        keyPairId = importKey(ctx, name, line);
      } catch (Ec2Exception e) {
        // An SDK retry of a call that did succeed: the name carries our build id, so the key is ours, but its
        // material is from this attempt only if the first one failed. Replace it to be sure.
        if (!"InvalidKeyPair.Duplicate".equals(AwsErrors.errorCode(e).orElse(""))) {
          throw e;
        }
        created = name;
        ctx.created(ResourceKind.KEY_PAIR, name, ctx.region());
        ctx.ec2().deleteKeyPair(r -> r.keyName(name));
        keyPairId = importKey(ctx, name, line);
      }
      created = name;
      ctx.created(ResourceKind.KEY_PAIR, name, ctx.region());
      return keyPairId;
    });
    ctx.key(new BuildContext.TemporaryKey(name, id, pair));
  }

  private static String importKey(BuildContext ctx, String name, String publicKeyLine) {
    return ctx.ec2().importKeyPair(r -> r.keyName(name)
        .publicKeyMaterial(SdkBytes.fromString(publicKeyLine, StandardCharsets.US_ASCII))
        .tagSpecifications(ctx.tags().specification(ResourceType.KEY_PAIR))).keyPairId();
  }

  @Override
  public void undo(BuildContext ctx, UndoReport report) {
    String name = created;
    if (name == null && attempted) {
      // ImportKeyPair may have got no answer although AWS imported the key: its name is ours alone.
      name = lost(ctx, report);
    }
    if (name == null) {
      return;
    }
    String keyName = name;
    report.remove(new Resource(ResourceKind.KEY_PAIR, keyName, ctx.region()), ctx.undoRetry(),
        AwsErrors.ignoringNotFound(() -> ctx.ec2().deleteKeyPair(r -> r.keyName(keyName))));
  }

  private String lost(BuildContext ctx, UndoReport report) {
    String name = keyName(ctx);
    Resource resource = new Resource(ResourceKind.KEY_PAIR, name, ctx.region());
    boolean exists;
    try {
      exists = ctx.undoRetry().call("look up key pair " + name, () -> {
        try {
          return !ctx.ec2().describeKeyPairs(r -> r.keyNames(name)).keyPairs().isEmpty();
        } catch (RuntimeException e) {
          if (AwsErrors.isNotFound(e)) {
            return false;
          }
          throw e;
        }
      });
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      report.leftover(resource, "interrupted while checking whether ImportKeyPair created it");
      return null;
    } catch (Exception e) {
      report.leftover(resource, e);
      return null;
    }
    if (!exists) {
      return null;
    }
    created = name;
    ctx.created(ResourceKind.KEY_PAIR, name, ctx.region());
    return name;
  }
}
