package com.fmawsss.labeling.cvat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fmawsss.labeling.ClickMask;
import com.fmawsss.sam.SamPrompt;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** CVAT's interactor body read into SAM's prompt, and the mask written as CVAT's UI reads it. */
class CvatInteractorTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static SamPrompt prompt(String body) {
        return CvatInteractor.prompt(JSON.readTree(body), 100, 50, 64);
    }

    @Test
    void pointsAndTheBoxInEveryFormCvatSends() {
        // cvat-ui sends obj_bbox [] without a box; the lambda manager's default is null; old servers leave it out.
        for (String none : new String[] {"[]", "null"}) {
            SamPrompt p = prompt("{\"pos_points\": [[10.5, 20.25], [30, 5]], \"neg_points\": [[1, 2]], \"obj_bbox\": " + none + "}");
            assertThat(p.box()).isNull();
            assertThat(p.points()).containsExactly(new SamPrompt.Point(10.5, 20.25, true), new SamPrompt.Point(30, 5, true),
                    new SamPrompt.Point(1, 2, false));
        }
        SamPrompt boxOnly = prompt("{\"pos_points\": [], \"neg_points\": [], \"obj_bbox\": [[60.5, 40], [20, 10.25]]}");
        assertThat(boxOnly.points()).isEmpty();
        assertThat(boxOnly.box()).isEqualTo(new SamPrompt.Box(20, 10.25, 60.5, 40));
        // Clicked on the canvas just beside the frame: moved onto its edge; the box clipped to it.
        SamPrompt edge = prompt("{\"pos_points\": [[-1, 50.5]], \"neg_points\": [], \"obj_bbox\": [[-3, -3], [101, 52]]}");
        assertThat(edge.points().get(0).x()).isZero();
        assertThat(edge.points().get(0).y()).isLessThan(50).isGreaterThan(49.99);
        assertThat(edge.box()).isEqualTo(new SamPrompt.Box(0, 0, 100, 50));
    }

    @Test
    void callsSamCannotAnswerAreRefusedWithTheReason() {
        assertThatThrownBy(() -> prompt("{\"pos_points\": [], \"neg_points\": [], \"obj_bbox\": []}"))
                .hasMessageContaining("needs a positive or negative point");
        assertThatThrownBy(() -> prompt("{\"pos_points\": [[500, 10]], \"neg_points\": []}")).hasMessageContaining("outside");
        assertThatThrownBy(() -> prompt("{\"pos_points\": [[5, \"x\"]], \"neg_points\": []}")).hasMessageContaining("[x, y]");
        assertThatThrownBy(() -> prompt("{\"pos_points\": {}, \"neg_points\": []}")).hasMessageContaining("pos_points");
        assertThatThrownBy(() -> prompt("{\"pos_points\": [], \"obj_bbox\": [[1, 2, 3, 4]]}")).hasMessageContaining("obj_bbox");
        assertThatThrownBy(() -> prompt("{\"pos_points\": [], \"obj_bbox\": [[5, 5], [5, 9]]}")).hasMessageContaining("covers no part");
    }

    /** cvat-ui tools-control.tsx: the rows are laid into the frame from the box's top-left corner. */
    private static boolean[] asCvatUiPaintsIt(CvatInteractor.Answer answer, int width, int height) {
        boolean[] frame = new boolean[width * height];
        int left = answer.bounds()[0];
        int top = answer.bounds()[1];
        assertThat(answer.mask()).hasSize(answer.bounds()[3] - top + 1);
        for (int r = 0; r < answer.mask().size(); r++) {
            int[] row = answer.mask().get(r);
            assertThat(row).hasSize(answer.bounds()[2] - left + 1);
            for (int c = 0; c < row.length; c++) {
                assertThat(row[c]).isIn(0, 255);
                frame[(top + r) * width + left + c] = row[c] > 0;
            }
        }
        return frame;
    }

    @Test
    void theAnswerIsTheMaskCroppedToItsInclusiveBox() {
        SplittableRandom random = new SplittableRandom(5);
        for (int trial = 0; trial < 40; trial++) {
            int w = 1 + random.nextInt(30);
            int h = 1 + random.nextInt(30);
            boolean[] mask = new boolean[w * h];
            int x0 = random.nextInt(w);
            int y0 = random.nextInt(h);
            int x1 = x0 + random.nextInt(w - x0);
            int y1 = y0 + random.nextInt(h - y0);
            for (int y = y0; y <= y1; y++) {
                for (int x = x0; x <= x1; x++) {
                    mask[y * w + x] = random.nextDouble() < 0.6;
                }
            }
            mask[y0 * w + x0] = true;
            mask[y1 * w + x1] = true;
            CvatInteractor.Answer answer = CvatInteractor.answer(new ClickMask(w, h, mask, 0.9));
            // Every pixel set lies in [x0, x1] x [y0, y1], and both corners are set.
            assertThat(answer.bounds()).containsExactly(x0, y0, x1, y1);
            assertThat(asCvatUiPaintsIt(answer, w, h)).isEqualTo(mask);
        }
        assertThatThrownBy(() -> CvatInteractor.answer(new ClickMask(3, 2, new boolean[6], 0.5)))
                .hasMessageContaining("no object");
    }

    @Test
    void theAnswerSerialisesAsCvatsJson() {
        boolean[] mask = {false, true, true, true};
        JsonNode json = JSON.valueToTree(CvatInteractor.answer(new ClickMask(2, 2, mask, 0.5)));
        assertThat(json.toString()).isEqualTo("{\"mask\":[[0,255],[255,255]],\"bounds\":[0,0,1,1]}");
    }
}
