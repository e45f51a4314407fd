package dev.eksnode.amibuilder.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eksnode.amibuilder.cli.TestHome;
import dev.eksnode.amibuilder.rig.MotoExtension;
import dev.eksnode.amibuilder.rig.MotoState;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class Ec2BuildIT {
  @RegisterExtension static final MotoExtension MOTO = new MotoExtension();
  @TempDir Path tmp;

  @Test
  void build_oneRegion_leavesOnlyTheTaggedAmi() {
    try (BuildRig rig = new BuildRig(MOTO, tmp)) {
      MotoState before = rig.state();
      TestHome.Result r = rig.build("-v");
      System.out.println(r.out());
      System.out.println(r.err());
      System.out.println(rig.proxy.countsByAction());
      assertEquals(0, r.code(), r.err());
      System.out.println(rig.state().diff(before));
    }
  }
}
