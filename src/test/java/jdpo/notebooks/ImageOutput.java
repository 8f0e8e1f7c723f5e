package jdpo.notebooks;

import javax.imageio.ImageIO;
import java.awt.image.RenderedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;

/**
 * Hands a cell's image result from the notebook's code to {@link NotebookRunner}. When a cell
 * ends with an expression whose value is an image, Jupyter's Java kernel shows it as a PNG; the
 * runner asks the notebook's JShell to call {@link #capture} with that value and takes the PNG.
 * Both sides load this class from the same (application) class loader, so the field is shared.
 */
public final class ImageOutput {
    private ImageOutput() {}

    private static String pngBase64;
    private static int width, height;

    /** Stores {@code value} as a base64 PNG if it is an image; false (nothing stored) otherwise. */
    public static synchronized boolean capture(Object value) {
        if (!(value instanceof RenderedImage)) return false;
        RenderedImage image = (RenderedImage) value;
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", png);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        pngBase64 = Base64.getEncoder().encodeToString(png.toByteArray());
        width = image.getWidth();
        height = image.getHeight();
        return true;
    }

    /** The last captured image as {base64 PNG, "W x H"}, forgetting it; null if none. */
    static synchronized String[] take() {
        if (pngBase64 == null) return null;
        String[] out = {pngBase64, width + "x" + height};
        pngBase64 = null;
        return out;
    }
}
