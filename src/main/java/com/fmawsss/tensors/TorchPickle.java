package com.fmawsss.tensors;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A strictly bounded reader for the pickle that {@code torch.save} writes as {@code data.pkl} for a
 * state dict of tensors (protocol 2). Nothing is ever executed or instantiated by name: the only
 * globals accepted are {@code collections.OrderedDict}, {@code torch._utils._rebuild_tensor_v2},
 * {@code torch._utils._rebuild_parameter} and the storage types {@code torch.FloatStorage},
 * {@code torch.HalfStorage} and {@code torch.BFloat16Storage}; they are interpreted here as plain
 * data. Values are tuples (unmodifiable {@link List}), string-keyed dicts ({@link Map}), strings,
 * integers ({@link Long}), booleans, {@code null}, {@link StorageRef} and {@link TensorRef}.
 * Every other opcode or global, and input beyond the limits, is refused with a {@link
 * TensorFormatException} naming it.
 */
final class TorchPickle {

    /** Element types of the accepted storages. */
    enum DType {
        FLOAT32(4), FLOAT16(2), BFLOAT16(2);

        final int bytes;

        DType(int bytes) {
            this.bytes = bytes;
        }
    }

    /**
     * A storage referenced through a persistent id {@code ('storage', type, key, location, numel)}.
     *
     * @param key name of the {@code data/<key>} record holding the raw elements
     * @param dtype element type
     * @param location device the tensor was saved from (e.g. {@code cpu}, {@code cuda:0}); ignored
     * @param numel number of elements
     */
    record StorageRef(String key, DType dtype, String location, long numel) {}

    /**
     * A strided view of a storage ({@code _rebuild_tensor_v2}).
     *
     * @param offset first element, in elements
     * @param size the shape
     * @param stride the strides, in elements
     */
    record TensorRef(StorageRef storage, long offset, int[] size, long[] stride) {}

    private record Global(String module, String name) {
        @Override
        public String toString() {
            return module + "." + name;
        }
    }

    private static final Global ORDERED_DICT = new Global("collections", "OrderedDict");
    private static final Global REBUILD_TENSOR = new Global("torch._utils", "_rebuild_tensor_v2");
    private static final Global REBUILD_PARAMETER = new Global("torch._utils", "_rebuild_parameter");
    private static final Map<Global, DType> STORAGES = Map.of(
            new Global("torch", "FloatStorage"), DType.FLOAT32,
            new Global("torch", "HalfStorage"), DType.FLOAT16,
            new Global("torch", "BFloat16Storage"), DType.BFLOAT16);
    private static final Set<Global> CALLABLES = Set.of(ORDERED_DICT, REBUILD_TENSOR, REBUILD_PARAMETER);

    private static final int MAX_STACK = 1 << 16;
    private static final int MAX_MARKS = 64;
    private static final int MAX_MEMO = 1 << 20;
    private static final int MAX_STRING_BYTES = 1 << 16;
    private static final int MAX_GLOBAL_LINE = 256;
    private static final int MAX_DIMS = 16;
    private static final Object MARK = new Object();

    private final byte[] data;
    private int pos;
    private final List<Object> stack = new ArrayList<>();
    private final List<Integer> marks = new ArrayList<>();
    private final Map<Integer, Object> memo = new HashMap<>();

    private TorchPickle(byte[] data) {
        this.data = data;
    }

    /**
     * Runs the pickle.
     *
     * @param pickle the {@code data.pkl} bytes
     * @return the unpickled top-level object
     * @throws TensorFormatException when the pickle uses anything outside the accepted subset, is
     *     truncated or exceeds a limit
     */
    static Object load(byte[] pickle) {
        return new TorchPickle(pickle).run();
    }

    private Object run() {
        if (data.length < 2 || (data[0] & 0xff) != 0x80) {
            throw refuse("does not start with a protocol marker (not a torch.save pickle)");
        }
        while (true) {
            int at = pos;
            int op = u8();
            switch (op) {
                case 0x80 -> {
                    int protocol = u8();
                    if (at != 0 || protocol != 2) {
                        throw refuse("pickle protocol " + protocol + " is not supported (torch.save writes protocol 2)");
                    }
                }
                case '.' -> {
                    if (stack.size() != 1 || !marks.isEmpty()) {
                        throw refuse("STOP with " + stack.size() + " values on the stack");
                    }
                    if (pos != data.length) {
                        throw refuse("trailing bytes after STOP");
                    }
                    return stack.get(0);
                }
                case '(' -> {
                    if (marks.size() >= MAX_MARKS) {
                        throw refuse("nested deeper than " + MAX_MARKS + " marks");
                    }
                    marks.add(stack.size());
                    push(MARK);
                }
                case ')' -> push(List.of());
                case 't' -> push(tuple(popToMark()));
                case 0x85 -> push(tuple(pop(1)));
                case 0x86 -> push(tuple(pop(2)));
                case 0x87 -> push(tuple(pop(3)));
                case '}' -> push(new LinkedHashMap<String, Object>());
                case 's' -> {
                    List<Object> pair = pop(2);
                    put(dictOnTop(), pair.get(0), pair.get(1));
                }
                case 'u' -> {
                    List<Object> items = popToMark();
                    if (items.size() % 2 != 0) {
                        throw refuse("SETITEMS with an odd number of values");
                    }
                    Map<String, Object> dict = dictOnTop();
                    for (int i = 0; i < items.size(); i += 2) {
                        put(dict, items.get(i), items.get(i + 1));
                    }
                }
                case 'N' -> push(null);
                case 0x88 -> push(Boolean.TRUE);
                case 0x89 -> push(Boolean.FALSE);
                case 'K' -> push((long) u8());
                case 'M' -> push((long) (u8() | (u8() << 8)));
                case 'J' -> push((long) int32());
                case 0x8a -> push(long1());
                case 'X' -> push(utf8(uint32Length()));
                case 'c' -> push(global());
                case 'R' -> {
                    List<Object> call = pop(2);
                    push(reduce(call.get(0), call.get(1)));
                }
                case 'b' -> build(pop(1).get(0));
                case 'Q' -> push(storage(pop(1).get(0)));
                case 'q' -> memoPut(u8());
                case 'r' -> memoPut(uint32Length());
                case 'h' -> push(memoGet(u8()));
                case 'j' -> push(memoGet(uint32Length()));
                default -> throw new TensorFormatException(
                        "refused pickle: opcode 0x" + Integer.toHexString(op) + " at byte " + at
                                + " is outside the subset torch.save uses for a state dict of tensors");
            }
        }
    }

    private Object reduce(Object callable, Object args) {
        if (!(callable instanceof Global global) || !CALLABLES.contains(global)) {
            throw refuse("calling " + describe(callable) + " is not allowed");
        }
        List<Object> arguments = asTuple(args, "arguments of " + global);
        if (global.equals(ORDERED_DICT)) {
            if (!arguments.isEmpty()) {
                throw refuse("OrderedDict with arguments");
            }
            return new LinkedHashMap<String, Object>();
        }
        if (global.equals(REBUILD_PARAMETER)) {
            // (data, requires_grad, backward_hooks): the parameter is its data.
            if (arguments.size() != 3 || !(arguments.get(0) instanceof TensorRef tensor)) {
                throw refuse("_rebuild_parameter needs (tensor, requires_grad, hooks)");
            }
            return tensor;
        }
        // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
        if (arguments.size() < 6 || arguments.size() > 7 || !(arguments.get(0) instanceof StorageRef storage)) {
            throw refuse("_rebuild_tensor_v2 needs (storage, offset, size, stride, requires_grad, hooks)");
        }
        if (arguments.size() == 7 && arguments.get(6) != null && !(arguments.get(6) instanceof Map<?, ?> m && m.isEmpty())) {
            throw refuse("tensor metadata is not supported");
        }
        List<Object> size = asTuple(arguments.get(2), "tensor size");
        List<Object> stride = asTuple(arguments.get(3), "tensor stride");
        if (size.size() != stride.size() || size.size() > MAX_DIMS) {
            throw refuse("tensor with " + size.size() + " sizes and " + stride.size() + " strides");
        }
        int[] dims = new int[size.size()];
        long[] steps = new long[size.size()];
        for (int i = 0; i < dims.length; i++) {
            long dim = asLong(size.get(i), "tensor size");
            if (dim < 0 || dim > Integer.MAX_VALUE) {
                throw refuse("tensor dimension " + dim + " is out of range");
            }
            dims[i] = (int) dim;
            steps[i] = asLong(stride.get(i), "tensor stride");
            if (steps[i] < 0) {
                throw refuse("negative tensor stride");
            }
        }
        long offset = asLong(arguments.get(1), "storage offset");
        if (offset < 0) {
            throw refuse("negative storage offset");
        }
        return new TensorRef(storage, offset, dims, steps);
    }

    private void build(Object state) {
        // torch.save(module.state_dict()) sets the OrderedDict's '_metadata' (module versions): ignored.
        Object target = stack.isEmpty() ? null : stack.get(stack.size() - 1);
        if (!(target instanceof Map<?, ?>) || !(state instanceof Map<?, ?> attributes) || !Set.of("_metadata").containsAll(attributes.keySet())) {
            throw refuse("BUILD is accepted only for a state dict's _metadata");
        }
    }

    private StorageRef storage(Object pid) {
        List<Object> id = asTuple(pid, "persistent id");
        if (id.size() != 5 || !"storage".equals(id.get(0))) {
            throw refuse("persistent id is not ('storage', type, key, location, numel)");
        }
        if (!(id.get(1) instanceof Global type) || !STORAGES.containsKey(type)) {
            throw refuse("storage type " + describe(id.get(1)) + " is not a tensor storage");
        }
        if (!(id.get(2) instanceof String key) || !key.matches("[0-9]{1,9}")) {
            throw refuse("storage key " + describe(id.get(2)) + " is not a record number");
        }
        if (!(id.get(3) instanceof String location)) {
            throw refuse("storage location is not a string");
        }
        long numel = asLong(id.get(4), "storage size");
        if (numel < 0) {
            throw refuse("negative storage size");
        }
        return new StorageRef(key, STORAGES.get(type), location, numel);
    }

    private Global global() {
        Global global = new Global(line(), line());
        if (global.module().equals("torch") && global.name().endsWith("Storage") && !STORAGES.containsKey(global)) {
            throw refuse("storage type " + global + " is not supported (float32, float16 and bfloat16 are)");
        }
        if (!CALLABLES.contains(global) && !STORAGES.containsKey(global)) {
            throw refuse("global " + global + " is not allowed (only a state dict of tensors is read)");
        }
        return global;
    }

    private String line() {
        int start = pos;
        while (pos < data.length && data[pos] != '\n') {
            if (pos - start > MAX_GLOBAL_LINE) {
                throw refuse("GLOBAL name longer than " + MAX_GLOBAL_LINE + " bytes");
            }
            pos++;
        }
        if (pos >= data.length) {
            throw truncated();
        }
        String text = new String(data, start, pos - start, StandardCharsets.US_ASCII);
        pos++;
        return text;
    }

    private void put(Map<String, Object> dict, Object key, Object value) {
        if (!(key instanceof String name)) {
            throw refuse("dict key " + describe(key) + " is not a string");
        }
        dict.put(name, value);
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> dictOnTop() {
        Object top = stack.isEmpty() ? null : stack.get(stack.size() - 1);
        if (!(top instanceof Map<?, ?>)) {
            throw refuse("SETITEM on " + describe(top));
        }
        return (Map<String, Object>) top;
    }

    private void memoPut(int index) {
        if (stack.isEmpty() || stack.get(stack.size() - 1) == MARK) {
            throw refuse("PUT with nothing to remember");
        }
        if (index < 0 || (memo.size() >= MAX_MEMO && !memo.containsKey(index))) {
            throw refuse("memo index " + index + " out of range");
        }
        memo.put(index, stack.get(stack.size() - 1));
    }

    private Object memoGet(int index) {
        if (!memo.containsKey(index)) {
            throw refuse("GET of memo index " + index + " that was never PUT");
        }
        return memo.get(index);
    }

    private void push(Object value) {
        if (stack.size() >= MAX_STACK) {
            throw refuse("more than " + MAX_STACK + " values on the stack");
        }
        stack.add(value);
    }

    private List<Object> pop(int count) {
        int from = stack.size() - count;
        if (from < 0 || (!marks.isEmpty() && from <= marks.get(marks.size() - 1))) {
            throw refuse("stack underflow");
        }
        List<Object> values = new ArrayList<>(stack.subList(from, stack.size()));
        stack.subList(from, stack.size()).clear();
        return values;
    }

    private List<Object> popToMark() {
        if (marks.isEmpty()) {
            throw refuse("no MARK to pop to");
        }
        int mark = marks.remove(marks.size() - 1);
        List<Object> values = new ArrayList<>(stack.subList(mark + 1, stack.size()));
        stack.subList(mark, stack.size()).clear();
        return values;
    }

    private static List<Object> tuple(List<Object> values) {
        return Collections.unmodifiableList(values);
    }

    @SuppressWarnings("unchecked")
    private List<Object> asTuple(Object value, String what) {
        if (!(value instanceof List<?>)) {
            throw refuse(what + " is " + describe(value) + ", not a tuple");
        }
        return (List<Object>) value;
    }

    private long asLong(Object value, String what) {
        if (!(value instanceof Long number)) {
            throw refuse(what + " is " + describe(value) + ", not an integer");
        }
        return number;
    }

    private int u8() {
        if (pos >= data.length) {
            throw truncated();
        }
        return data[pos++] & 0xff;
    }

    private int int32() {
        return u8() | (u8() << 8) | (u8() << 16) | (u8() << 24);
    }

    private int uint32Length() {
        int value = int32();
        if (value < 0) {
            throw refuse("length or index " + Integer.toUnsignedString(value) + " out of range");
        }
        return value;
    }

    private long long1() {
        int n = u8();
        if (n > 8) {
            throw refuse("integer of " + n + " bytes");
        }
        if (n == 0) {
            return 0L;
        }
        long value = 0;
        for (int i = 0; i < n; i++) {
            value |= ((long) u8()) << (8 * i);
        }
        int unused = 64 - 8 * n;
        return unused == 0 ? value : (value << unused) >> unused; // two's complement sign extension
    }

    private String utf8(int length) {
        if (length > MAX_STRING_BYTES) {
            throw refuse("string of " + length + " bytes");
        }
        if (length > data.length - pos) {
            throw truncated();
        }
        try {
            String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(data, pos, length)).toString();
            pos += length;
            return text;
        } catch (CharacterCodingException e) {
            throw refuse("string at byte " + pos + " is not UTF-8");
        }
    }

    private TensorFormatException truncated() {
        return new TensorFormatException("refused pickle: truncated at byte " + pos);
    }

    private static TensorFormatException refuse(String why) {
        return new TensorFormatException("refused pickle: " + why);
    }

    private static String describe(Object value) {
        if (value == null) {
            return "None";
        }
        if (value instanceof String s) {
            return "'" + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + "'";
        }
        return value instanceof Global g ? g.toString() : value.getClass().getSimpleName();
    }
}
