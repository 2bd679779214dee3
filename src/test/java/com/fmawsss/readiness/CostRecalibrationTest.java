package com.fmawsss.readiness;

import static org.assertj.core.api.Assertions.assertThat;

import com.fmawsss.pipeline.FmaPipeline;
import com.fmawsss.pipeline.WorkShape;
import com.fmawsss.progress.Stage;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * An estimate inflated by a busy moment refuses synchronous requests, which then teach the model
 * nothing; once such a refusal happened and the device is idle, the device is measured again.
 */
@SpringBootTest
class CostRecalibrationTest {

    @Autowired FmaPipeline pipeline;
    @Autowired CostRecalibration recalibration;

    @Test
    void anInflatedModelIsMeasuredAgainAfterARefusalWhenIdle() throws Exception {
        // As if start-up had measured an SAM encoder pass of an hour.
        pipeline.costs().calibrate(new WorkShape(0, 1, 1, 0, 0), Map.of(Stage.SAM_ENCODE, Duration.ofHours(1).toNanos()));

        recalibration.recalibrateWhenRefusedAndIdle();
        assertThat(pipeline.costs().secondsPerUnit().get(Stage.SAM_ENCODE)).isEqualTo(3600.0); // no refusal: nothing to do

        pipeline.costs().noteRefusal();
        recalibration.recalibrateWhenRefusedAndIdle();

        long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (pipeline.costs().secondsPerUnit().get(Stage.SAM_ENCODE) == 3600.0) {
            assertThat(System.nanoTime() - end).as("not measured again within 60 s").isNegative();
            Thread.sleep(20);
        }
        assertThat(pipeline.costs().secondsPerUnit().get(Stage.SAM_ENCODE)).isLessThan(60.0);
    }
}
