package dev.eksnode.amibuilder.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The training run behind bin/ami-builder's class-data archive swallows every failure (a broken
 * part only makes the archive smaller), so this checks that each part still gets all the way
 * through: a part that stopped working would quietly slow every start.
 */
class CdsTrainingIT {
  @Test
  void train_runsEveryCommand_reachesTheCannedAwsEndpoint_andRunsBothSshCommands() {
    CdsTraining.Report report = CdsTraining.train();
    // The help twice, validate and vars on the shipped template, then a rejected version (exit 2).
    assertEquals(List.of(0, 0, 0, 0, 2), report.exitCodes());
    // EC2 DescribeImages and DescribeVpcs, S3 HeadObject and ListObjectsV2, STS, EKS and IAM.
    assertEquals(7, report.awsRequests());
    assertEquals(List.of(0, 0), report.sshExitCodes());
  }
}
