package jdpo.gpt2;

import com.sun.jdi.Bootstrap;
import com.sun.jdi.Location;
import com.sun.jdi.Method;
import com.sun.jdi.ReferenceType;
import com.sun.jdi.StackFrame;
import com.sun.jdi.VirtualMachine;
import com.sun.jdi.connect.Connector;
import com.sun.jdi.connect.LaunchingConnector;
import com.sun.jdi.event.BreakpointEvent;
import com.sun.jdi.event.ClassPrepareEvent;
import com.sun.jdi.event.Event;
import com.sun.jdi.event.EventSet;
import com.sun.jdi.event.VMDisconnectEvent;
import com.sun.jdi.request.BreakpointRequest;
import com.sun.jdi.request.ClassPrepareRequest;
import com.sun.jdi.request.EventRequestManager;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A real debugger (JDI, what jdb and IDEs are built on) runs one training step of
 * {@link StepThroughTarget} on one thread and checks what a student stepping in from
 * {@code Gpt2.forward} would pass through:
 * <ul>
 *   <li>a breakpoint on the multiply-add line of the scalar matmul's inner loop is reached from
 *       {@code Gpt2.forward} through named methods only, exactly
 *       {@code Gpt2.forward -> Gpt2.linear -> Linear.forward -> ScalarKernels.linearForward -> linearForwardRows}
 *       ({@code Gpt2.linear} is where a LoRA adapter would take its share);
 *   <li>a breakpoint on every synthetic {@code lambda$} method of jdpo's classes is never hit,
 *       with either kernels, during forward, backward and the optimizer step.
 * </ul>
 */
class StepIntoTest {

    @Test
    void theScalarInnerLoopIsReachedFromGpt2ForwardThroughNamedFramesOnly() throws Exception {
        int fmaLine = lineOf("src/main/java/jdpo/tensor/ScalarKernels.java", "linearForwardRows", "Math.fma");
        Run run = debug("scalar", "jdpo.tensor.ScalarKernels", fmaLine);
        assertEquals(List.of(), run.lambdaHits, "lambda frames on the debugger's path");
        assertFalse(run.stacks.isEmpty(), "the breakpoint in linearForwardRows was never hit");
        List<String> path = run.stacks.get(0).subList(0, 5);
        assertEquals(List.of("jdpo.tensor.ScalarKernels.linearForwardRows", "jdpo.tensor.ScalarKernels.linearForward",
                "jdpo.nn.Linear.forward", "jdpo.gpt2.Gpt2.linear", "jdpo.gpt2.Gpt2.forward"), path);
    }

    @Test
    void theVectorMicroKernelIsReachedThroughNamedFramesOnly() throws Exception {
        Run run = debug("vector", "jdpo.tensor.BlockedMatmul", -1);
        assertEquals(List.of(), run.lambdaHits, "lambda frames on the debugger's path");
        assertFalse(run.stacks.isEmpty(), "BlockedMatmul.microKernel was never reached");
        List<String> stack = run.stacks.get(0);
        assertEquals("jdpo.tensor.BlockedMatmul.microKernel", stack.get(0));
        assertTrue(stack.contains("jdpo.gpt2.Gpt2.forward"), stack.toString());
        for (String frame : stack) assertFalse(frame.contains("lambda$") || frame.contains("$$Lambda"), stack.toString());
    }

    /** Breakpoints hit: the stacks at the target (top frame first) and every lambda entered. */
    private record Run(List<List<String>> stacks, List<String> lambdaHits) {}

    /**
     * Runs {@link StepThroughTarget} with {@code kernels} under JDI, stopping at {@code line} of
     * {@code targetClass} (or, with line -1, at the entry of {@code microKernel}) and at every
     * {@code lambda$} method of a jdpo class.
     */
    private static Run debug(String kernels, String targetClass, int line) throws Exception {
        LaunchingConnector connector = Bootstrap.virtualMachineManager().defaultConnector();
        Map<String, Connector.Argument> args = connector.defaultArguments();
        args.get("main").setValue(StepThroughTarget.class.getName() + " " + kernels);
        args.get("options").setValue("-cp " + System.getProperty("java.class.path") + " --add-modules jdk.incubator.vector");
        VirtualMachine vm = connector.launch(args);
        drain(vm.process().getInputStream());
        drain(vm.process().getErrorStream());
        EventRequestManager requests = vm.eventRequestManager();
        ClassPrepareRequest prepare = requests.createClassPrepareRequest();
        prepare.addClassFilter("jdpo.*");
        prepare.enable();

        List<List<String>> stacks = new ArrayList<>();
        List<String> lambdaHits = new ArrayList<>();
        try {
            while (true) {
                EventSet events = vm.eventQueue().remove(120_000);
                if (events == null) fail("the debuggee did not finish within two minutes");
                for (Event e : events) {
                    if (e instanceof ClassPrepareEvent cp) {
                        ReferenceType type = cp.referenceType();
                        for (Method m : type.methods()) {
                            if (m.name().startsWith("lambda$")) stopAt(requests, m.location());
                        }
                        if (type.name().equals(targetClass)) {
                            if (line < 0) {
                                stopAt(requests, type.methodsByName("microKernel").get(0).location());
                            } else {
                                for (Location l : type.locationsOfLine(line)) stopAt(requests, l);
                            }
                        }
                    } else if (e instanceof BreakpointEvent bp) {
                        List<String> stack = new ArrayList<>();
                        for (StackFrame f : bp.thread().frames()) {
                            stack.add(f.location().declaringType().name() + "." + f.location().method().name());
                        }
                        String where = String.join(" <- ", stack);
                        if (!bp.location().method().name().startsWith("lambda$")) stacks.add(stack);
                        else if (!lambdaHits.contains(where)) lambdaHits.add(where);
                    } else if (e instanceof VMDisconnectEvent) {
                        return new Run(stacks, lambdaHits);
                    }
                }
                events.resume();
            }
        } finally {
            vm.process().destroy();
        }
    }

    private static void stopAt(EventRequestManager requests, Location where) {
        BreakpointRequest bp = requests.createBreakpointRequest(where);
        bp.enable();
    }

    /** The debuggee's output is not needed, but must be read or it may block on a full pipe. */
    private static void drain(java.io.InputStream in) {
        Thread t = new Thread(() -> {
            try {
                in.transferTo(java.io.OutputStream.nullOutputStream());
            } catch (IOException ignored) {
                // the debuggee has gone
            }
        });
        t.setDaemon(true);
        t.start();
    }

    /** The 1-based line in {@code file} of the first line containing {@code text} after the one containing {@code method}. */
    private static int lineOf(String file, String method, String text) throws IOException {
        List<String> lines = Files.readAllLines(Path.of(file), StandardCharsets.UTF_8);
        int start = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (start < 0 && lines.get(i).contains("void " + method + "(")) start = i;
            if (start >= 0 && i > start && lines.get(i).contains(text)) return i + 1;
        }
        throw new IllegalStateException("no '" + text + "' after " + method + " in " + file);
    }
}
