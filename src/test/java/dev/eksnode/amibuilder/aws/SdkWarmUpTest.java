package dev.eksnode.amibuilder.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SdkWarmUpTest {
  @Test
  void run_getsEveryCannedAnswerThroughTheSdk_unmarshalledAsEc2WouldSendIt() {
    // Each value is read back from a parsed response, so a canned body the SDK cannot read (or a
    // dry run not answered with EC2's error) changes the list.
    assertEquals(
        List.of("ami-0warmup", "vpc-0warmup", "m5.large", "x86_64", "DryRunOperation", "running"),
        SdkWarmUp.run(() -> false));
  }

  @Test
  void wanted_unlessSetOff() {
    assertTrue(SdkWarmUp.wanted(null));
    assertTrue(SdkWarmUp.wanted("on"));
    assertFalse(SdkWarmUp.wanted("off"));
    assertFalse(SdkWarmUp.wanted(" OFF "));
  }

  @Test
  void run_sendsNothingMoreOnceTheBuildsOwnCallsBegin() {
    // The stop is asked before each request: here it says "stop" once two answers are in.
    List<String> asked = new ArrayList<>();
    List<String> seen =
        SdkWarmUp.run(
            () -> {
              asked.add("asked");
              return asked.size() > 2;
            });
    assertEquals(List.of("ami-0warmup", "vpc-0warmup"), seen);
    assertEquals(3, asked.size());
  }
}
