// Loading and validating fix packs (format v1, see fixes/README.md).
//
// Locations: the document is parsed in place (in the buffer a file was read into, or in a private
// copy of a caller's text), so every element and attribute name points into that buffer and its
// byte offset is a pointer difference. Offsets become line:column through a LineCursor over the
// newline offsets that the byte check collects, so the text is scanned once per load and each
// lookup is a few steps forward (the walk is in document order) or a binary search.
#include "packs/pack_loader.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <span>
#include <type_traits>

#if defined(__SSE2__) || defined(_M_X64)
#include <emmintrin.h>
#define FIXTRAY_HAVE_SSE2 1
#endif

#include <pugixml.hpp>

#include "packs/pack_syntax.h"
#include "packs/pattern.h"
#include "platform/read_file.h"

namespace fixtray {

std::string PackProblem::str() const {
    std::string out = where.str();
    if (!out.empty()) out += ": ";
    out += severity == Severity::error ? "error: " : "warning: ";
    out += message;
    return out;
}

namespace {

constexpr std::size_t npos = std::string_view::npos;
constexpr std::string_view kNamespace = "urn:fixtray:fixpack:1";
constexpr std::string_view kXsiNamespace = "http://www.w3.org/2001/XMLSchema-instance";
constexpr std::array<std::string_view, 7> kBuiltins = {"home", "cache", "config", "temp",
                                                       "user", "host",  "packdir"};
constexpr std::array<std::string_view, 7> kCategories = {
    "network", "printing", "performance", "storage", "accounts", "software", "other"};

// pugi's handles are a single pointer, and every member function, even the null test of operator
// bool, is a call into the shared library. Loops over children and attributes test the handle's
// bits instead.
static_assert(sizeof(pugi::xml_node) == sizeof(const void*) &&
              std::is_trivially_copyable_v<pugi::xml_node>);
static_assert(sizeof(pugi::xml_attribute) == sizeof(const void*) &&
              std::is_trivially_copyable_v<pugi::xml_attribute>);
bool valid(pugi::xml_node n) {
    return std::bit_cast<const void*>(n) != nullptr;
}
bool valid(pugi::xml_attribute a) {
    return std::bit_cast<const void*>(a) != nullptr;
}

// The children of an element, gathered in one pass so that a caller can size its vector before
// it walks them, without a second first_child/next_sibling pass (a library call per child).
class Children {
public:
    explicit Children(pugi::xml_node el) {
        for (pugi::xml_node c = el.first_child(); valid(c); c = c.next_sibling()) {
            if (count_ < kKept) kept_[count_] = std::bit_cast<const void*>(c);
            ++count_;
        }
    }
    std::size_t size() const { return count_; }
    // Child i, given child i - 1 (ignored for i == 0); call with i = 0, 1, 2, ... in order.
    pugi::xml_node at(std::size_t i, pugi::xml_node previous) const {
        return i < kKept ? std::bit_cast<pugi::xml_node>(kept_[i]) : previous.next_sibling();
    }

private:
    static constexpr std::size_t kKept = 16;
    const void* kept_[kKept];
    std::size_t count_ = 0;
};

// Whether the NUL-terminated name `p` is `name`: compared as it is read, so it costs no strlen.
bool is_name(const char* p, std::string_view name) {
    for (const char c : name)
        if (*p++ != c) return false;
    return *p == '\0';
}

// Equality of short strings inline (std::string_view's operator== calls an out-of-line compare).
bool same(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t k = 0; k < a.size(); ++k)
        if (a[k] != b[k]) return false;
    return true;
}

bool is_builtin(std::string_view name) {
    for (const std::string_view b : kBuiltins)
        if (same(b, name)) return true;
    return false;
}

char ascii_lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool is_blank(std::string_view s) {
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; });
}

bool is_xml_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// Inline loops: find_first_not_of with a character set calls memchr once per character.
std::string_view trim(std::string_view s) {
    std::size_t first = 0, last = s.size();
    while (first < last && is_xml_space(s[first])) ++first;
    while (last > first && is_xml_space(s[last - 1])) --last;
    return s.substr(first, last - first);
}

std::string quoted(std::string_view s) {
    std::string out;
    out.reserve(s.size() + 2);
    out += '"';
    // Keep messages one line and short even for hostile values.
    for (char c : s.substr(0, 80)) out += (static_cast<unsigned char>(c) < 0x20) ? '?' : c;
    if (s.size() > 80) out += "...";
    out += '"';
    return out;
}

std::string tag(std::string_view name) {
    return "<" + std::string(name.substr(0, 80)) + ">";
}

bool is_absolute_path(std::string_view p) {
    if (!p.empty() && (p.front() == '/' || p.front() == '\\')) return true;
    return p.size() >= 3 && ((p[0] >= 'A' && p[0] <= 'Z') || (p[0] >= 'a' && p[0] <= 'z')) &&
           p[1] == ':' && (p[2] == '\\' || p[2] == '/');
}

bool is_variable_or_absolute(std::string_view p) {
    return p.starts_with("${") || is_absolute_path(p);
}

// Turns byte offsets into 1-based line and column from the offsets of the '\n's before them
// (collected by find_bad_byte, which reads every byte anyway). Moving forward a few lines, as a
// walk in document order does, is a short linear step; longer jumps are a binary search.
class LineCursor {
public:
    LineCursor(const std::vector<std::size_t>& newlines, std::size_t size)
        : newlines_(newlines), size_(size) {}

    void locate(std::size_t offset, int& line, int& column) {
        offset = std::min(offset, size_);
        const std::vector<std::size_t>& nl = newlines_;
        // idx_ = the number of newlines before offset.
        std::size_t steps = 0;
        while (idx_ < nl.size() && nl[idx_] < offset && steps < 8) ++idx_, ++steps;
        if ((idx_ < nl.size() && nl[idx_] < offset) || (idx_ > 0 && nl[idx_ - 1] >= offset))
            idx_ = static_cast<std::size_t>(std::lower_bound(nl.begin(), nl.end(), offset) -
                                            nl.begin());
        const std::size_t line_start = idx_ == 0 ? 0 : nl[idx_ - 1] + 1;
        line = static_cast<int>(std::min<std::size_t>(idx_ + 1, INT32_MAX));
        column = static_cast<int>(std::min<std::size_t>(offset - line_start + 1, INT32_MAX));
    }

private:
    const std::vector<std::size_t>& newlines_;
    std::size_t size_;
    std::size_t idx_ = 0;
};

// Finds the first byte that cannot be in a UTF-8 XML 1.0 document: NUL and other C0 controls
// except tab/LF/CR, malformed or overlong UTF-8, surrogates, U+FFFE/U+FFFF. Returns npos when
// the text is clean; `what` describes the problem. Appends the offset of every '\n' before that
// point to `newlines`.
std::size_t find_bad_byte(std::string_view text, const char*& what,
                          std::vector<std::size_t>& newlines) {
    const auto* s = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t n = text.size();
    std::size_t i = 0;
    while (i < n) {
#ifdef FIXTRAY_HAVE_SSE2
        // Fast path: 16 bytes at a time. As signed bytes, both the C0 controls and every byte
        // >= 0x80 are below 0x20, so one compare flags all bytes that need a closer look.
        if (i + 16 <= n) {
            const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i));
            const auto mask =
                static_cast<unsigned>(_mm_movemask_epi8(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20))));
            if (mask == 0) {
                i += 16;
                continue;
            }
            const auto nl =
                static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('\n'))));
            if ((mask & ~nl) == 0) {  // the usual block: text and line ends only
                for (unsigned m = nl; m != 0; m &= m - 1)
                    newlines.push_back(i + static_cast<std::size_t>(std::countr_zero(m)));
                i += 16;
                continue;
            }
            const auto ws =
                nl |
                static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('\t')))) |
                static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('\r'))));
            const unsigned other = mask & ~ws;
            // Newlines before the first other flagged byte; the scalar code below takes it
            // from there (a UTF-8 sequence, or a byte that is not allowed).
            const unsigned before = other == 0 ? 0xFFFFu : (other & (0u - other)) - 1;
            for (unsigned m = nl & before; m != 0; m &= m - 1)
                newlines.push_back(i + static_cast<std::size_t>(std::countr_zero(m)));
            if (other == 0) {
                i += 16;
                continue;
            }
            i += static_cast<std::size_t>(std::countr_zero(other));
        }
#else
        // Fast path: 8 plain ASCII bytes >= 0x20 at a time.
        if (i + 8 <= n) {
            std::uint64_t w;
            std::memcpy(&w, s + i, 8);
            constexpr std::uint64_t k80 = 0x8080808080808080ULL;
            constexpr std::uint64_t k20 = 0x2020202020202020ULL;
            const std::uint64_t flagged = (w & k80) | ((w - k20) & ~w & k80);
            if (flagged == 0) {
                i += 8;
                continue;
            }
            // Skip the plain bytes before the first flagged one; the lowest flag is exact.
            if constexpr (std::endian::native == std::endian::little)
                i += static_cast<std::size_t>(std::countr_zero(flagged) / 8);
        }
#endif
        const unsigned char c = s[i];
        if (c < 0x80) {
            if (c == '\n') {
                newlines.push_back(i);
            } else if (c < 0x20 && c != '\t' && c != '\r') {
                what = c == 0 ? "NUL byte: a fix pack must be UTF-8 text"
                              : "control character: a fix pack must be UTF-8 text";
                return i;
            }
            ++i;
            continue;
        }
        std::size_t len;
        std::uint32_t cp;
        if (c >= 0xC2 && c <= 0xDF)
            len = 2, cp = c & 0x1F;
        else if (c >= 0xE0 && c <= 0xEF)
            len = 3, cp = c & 0x0F;
        else if (c >= 0xF0 && c <= 0xF4)
            len = 4, cp = c & 0x07;
        else {
            what = "invalid UTF-8: a fix pack must be UTF-8 text";
            return i;
        }
        if (i + len > n) {
            what = "invalid UTF-8 (truncated sequence): a fix pack must be UTF-8 text";
            return i;
        }
        for (std::size_t k = 1; k < len; ++k) {
            if ((s[i + k] & 0xC0) != 0x80) {
                what = "invalid UTF-8: a fix pack must be UTF-8 text";
                return i;
            }
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))) {
            what = "invalid UTF-8 (overlong encoding): a fix pack must be UTF-8 text";
            return i;
        }
        if ((cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE || cp == 0xFFFF) {
            what = "character not allowed in XML";
            return i;
        }
        i += len;
    }
    return npos;
}

// Attribute tables: the name of every attribute an element kind may carry, and for steps which
// kinds accept it.
enum StepAttr : unsigned {
    a_label,
    a_timeout,
    a_ok_exit,
    a_continue_on_error,
    a_admin,
    a_foreach,
    a_except,
    a_if_program,
    a_skip_if_running,
    a_stdout_match,
    a_capture,
    a_interpreter,
    a_root,
    a_glob,
    a_older_than,
    a_path,
    a_expect,
    a_type,
    a_name,
    a_grace,
    a_url,
    a_expect_status,
    a_host,
    a_port,
    a_duration,
    kStepAttrCount
};
constexpr std::array<std::string_view, kStepAttrCount> kStepAttrNames = {"label",
                                                                         "timeout",
                                                                         "ok-exit",
                                                                         "continue-on-error",
                                                                         "admin",
                                                                         "foreach",
                                                                         "except",
                                                                         "if-program",
                                                                         "skip-if-running",
                                                                         "stdout-match",
                                                                         "capture",
                                                                         "interpreter",
                                                                         "root",
                                                                         "glob",
                                                                         "older-than",
                                                                         "path",
                                                                         "expect",
                                                                         "type",
                                                                         "name",
                                                                         "grace",
                                                                         "url",
                                                                         "expect-status",
                                                                         "host",
                                                                         "port",
                                                                         "duration"};

constexpr std::uint32_t bit(unsigned a) {
    return 1u << a;
}

// Step attributes are found a word at a time: the first eight bytes of a name, zero from its NUL
// on (little-endian), are its key, and a multiplicative hash of the key indexes a table that is
// collision-free (checked below). One compare of the key then settles names shorter than eight
// bytes; longer ones compare the rest.
constexpr std::uint64_t kStepAttrMagic = 0x1ba1621582283d15;
constexpr std::uint64_t name_key(std::string_view n) {
    std::uint64_t key = 0;
    for (std::size_t i = 0; i < n.size() && i < 8; ++i)
        key |= std::uint64_t{static_cast<unsigned char>(n[i])} << (8 * i);
    return key;
}
constexpr unsigned key_slot(std::uint64_t key) {
    return static_cast<unsigned>((key * kStepAttrMagic) >> 58);
}
constexpr std::array<std::uint64_t, kStepAttrCount> kStepAttrKeys = [] {
    std::array<std::uint64_t, kStepAttrCount> keys{};
    for (std::size_t i = 0; i < kStepAttrNames.size(); ++i) keys[i] = name_key(kStepAttrNames[i]);
    return keys;
}();
constexpr std::array<signed char, 64> kStepAttrTable = [] {
    std::array<signed char, 64> table{};
    for (auto& t : table) t = -1;
    for (std::size_t i = 0; i < kStepAttrNames.size(); ++i) {
        const unsigned h = key_slot(kStepAttrKeys[i]);
        if (table[h] != -1) throw "step attribute hash collision";  // fails the constant evaluation
        table[h] = static_cast<signed char>(i);
    }
    return table;
}();

constexpr std::uint32_t kCommonAttrs = bit(a_label) | bit(a_timeout) | bit(a_continue_on_error) |
                                       bit(a_admin) | bit(a_foreach) | bit(a_except) |
                                       bit(a_if_program) | bit(a_skip_if_running);

struct StepKindInfo {
    std::string_view element;
    StepKind kind;
    std::uint32_t attrs;
};
constexpr std::array<StepKindInfo, 9> kStepKinds = {{
    {"run", StepKind::run, kCommonAttrs | bit(a_ok_exit) | bit(a_stdout_match) | bit(a_capture)},
    {"shell", StepKind::shell,
     kCommonAttrs | bit(a_ok_exit) | bit(a_stdout_match) | bit(a_capture) | bit(a_interpreter)},
    {"delete-files", StepKind::delete_files,
     kCommonAttrs | bit(a_root) | bit(a_glob) | bit(a_older_than)},
    {"end-process", StepKind::end_process, kCommonAttrs | bit(a_name) | bit(a_grace)},
    {"http-probe", StepKind::http_probe, kCommonAttrs | bit(a_url) | bit(a_expect_status)},
    {"dns-resolve", StepKind::dns_resolve, kCommonAttrs | bit(a_host)},
    {"tcp-connect", StepKind::tcp_connect, kCommonAttrs | bit(a_host) | bit(a_port)},
    {"exists", StepKind::exists,
     kCommonAttrs | bit(a_path) | bit(a_root) | bit(a_glob) | bit(a_expect) | bit(a_type)},
    {"wait", StepKind::wait, kCommonAttrs | bit(a_duration)},
}};

// Finds a NUL-terminated name in a small table by its key (see name_key): a multiplicative hash
// of the key indexes a collision-free table, the multiplier being searched for at compile time;
// then one compare of the key, and for names of eight bytes or more one of the rest.
template <std::size_t N>
class NameIndex {
public:
    template <typename Table, typename NameOf>
    constexpr NameIndex(const Table& table, NameOf name_of) {
        for (std::size_t i = 0; i < N; ++i) {
            names_[i] = name_of(table[i]);
            keys_[i] = name_key(names_[i]);
        }
        std::uint64_t m = 0x9E3779B97F4A7C15ULL;
        for (int attempt = 0;; ++attempt) {
            if (attempt == 100000) throw "no collision-free multiplier";  // fails at compile time
            if (try_multiplier(m)) break;
            m = (m * 6364136223846793005ULL + 1442695040888963407ULL) | 1u;
        }
    }
    // The index of the name whose key is `key` (of `name`), or -1.
    int find(std::uint64_t key, const char* name) const {
        const int i = slots_[static_cast<std::size_t>((key * multiplier_) >> 58)];
        if (i < 0 || keys_[static_cast<std::size_t>(i)] != key) return -1;
        const std::string_view n = names_[static_cast<std::size_t>(i)];
        return n.size() < 8 || is_name(name + 8, n.substr(8)) ? i : -1;
    }

private:
    constexpr bool try_multiplier(std::uint64_t m) {
        for (auto& slot : slots_) slot = -1;
        for (std::size_t i = 0; i < N; ++i) {
            const auto h = static_cast<std::size_t>((keys_[i] * m) >> 58);
            if (slots_[h] != -1) return false;
            slots_[h] = static_cast<signed char>(i);
        }
        multiplier_ = m;
        return true;
    }

    std::array<std::string_view, N> names_{};
    std::array<std::uint64_t, N> keys_{};
    std::array<signed char, 64> slots_{};
    std::uint64_t multiplier_ = 0;
};

constexpr NameIndex<kStepKinds.size()> kStepKindIndex(kStepKinds, [](const StepKindInfo& k) {
    return k.element;
});

const StepKindInfo* step_kind_of(std::uint64_t key, const char* element) {
    const int i = kStepKindIndex.find(key, element);
    return i < 0 ? nullptr : &kStepKinds[static_cast<std::size_t>(i)];
}

// An attribute found by read_attrs: the name and value pointers of a pugi attribute (a
// pugi::xml_attribute array costs a library constructor call per slot). Attr{} is "absent".
struct Attr {
    const char* name_;
    const char* value_;

    explicit operator bool() const { return name_ != nullptr; }
    const char* name() const { return name_ ? name_ : ""; }
    const char* value() const { return value_ ? value_ : ""; }
};

// The attributes of one element by index into a names table. Only the slots named in `present`
// are written, so a table costs nothing to set up however many names it has.
template <std::size_t N>
struct AttrTable {
    static_assert(N <= 32);
    std::uint32_t present = 0;
    Attr slots[N];

    Attr operator[](std::size_t i) const { return (present >> i) & 1u ? slots[i] : Attr{}; }
};

// What a ${name} may refer to inside one step.
struct Scope {
    const std::vector<Param>* params = nullptr;
    const std::vector<std::string>* captures = nullptr;  // lists captured earlier in this fix
    std::string_view foreach_var;
    const Param* foreach_param = nullptr;  // null: iterating a captured list (plain values)
    bool foreach_unknown = false;          // the list is in error: accept any use of the item

    const Param* param(std::string_view name) const {
        for (const auto& p : *params)
            if (same(p.name, name)) return &p;
        return nullptr;
    }
    bool captured(std::string_view name) const {
        return captures && std::find(captures->begin(), captures->end(), name) != captures->end();
    }
};

// The fix children in the order the format requires.
enum FixPart : int {
    p_title,
    p_description,
    p_keywords,
    p_when,
    p_confirm,
    p_check,
    p_steps,
    p_verify,
    p_revert,
    p_diagnostics,
    kFixPartCount
};
constexpr std::array<std::string_view, kFixPartCount> kFixPartNames = {
    "title", "description", "keywords", "when",   "confirm",
    "check", "steps",       "verify",   "revert", "diagnostics"};
constexpr NameIndex<kFixPartCount> kFixPartIndex(kFixPartNames,
                                                 [](std::string_view n) { return n; });

// A fix id seen so far in a pack, for the check that ids are unique per platform.
struct FixIdUse {
    std::string_view id;
    unsigned platforms;
    std::size_t offset;
};

// Buffers a thread keeps from one load to the next, since packs are loaded by the hundred: the
// text of a file, the newline offsets and the loader's scratch. What one large pack made them grow
// to beyond kKeepBytes is given back after its load.
struct Scratch {
    static constexpr std::size_t kKeepBytes = 256 * 1024;

    ByteBuffer file;                        // load_pack_file: the text, parsed in place
    std::string copy;                       // load_pack_from_string: the copy parsed in place
    std::vector<std::size_t> newlines;      // offsets of the '\n's
    std::vector<pack_syntax::VarRef> refs;  // check_refs
    std::string text;                       // text_of
    std::vector<FixIdUse> fix_ids;          // the fix ids seen so far
    bool in_use = false;

    void trim() {
        if (file.capacity() > kKeepBytes) file = ByteBuffer();
        if (copy.capacity() > kKeepBytes) std::string().swap(copy);
        if (newlines.capacity() * sizeof(std::size_t) > kKeepBytes)
            std::vector<std::size_t>().swap(newlines);
        if (text.capacity() > kKeepBytes) std::string().swap(text);
        if (fix_ids.capacity() * sizeof(FixIdUse) > kKeepBytes)
            std::vector<FixIdUse>().swap(fix_ids);
    }
};

// The calling thread's Scratch, or a fresh one should a load ever run inside another.
class ScratchLease {
public:
    ScratchLease() {
        thread_local Scratch kept;
        if (kept.in_use) {
            own_ = std::make_unique<Scratch>();
            scratch_ = own_.get();
        } else {
            scratch_ = &kept;
        }
        scratch_->in_use = true;
    }
    ~ScratchLease() {
        scratch_->trim();
        scratch_->in_use = false;
    }
    ScratchLease(const ScratchLease&) = delete;
    ScratchLease& operator=(const ScratchLease&) = delete;
    Scratch& operator*() const { return *scratch_; }

private:
    std::unique_ptr<Scratch> own_;
    Scratch* scratch_;
};

class Loader {
public:
    // `text` is the document. With `inplace` (== text.data()) it is parsed where it is, and its
    // original bytes, which a few error messages need after the parse, are read again from
    // `reread_path`; without, a copy in `scratch` is parsed and `text` stays as it was.
    Loader(std::string_view text, char* inplace, const std::string* reread_path,
           const std::string& file, std::string dir, const PackLoadLimits& limits, Scratch& scratch)
        : text_(text),
          inplace_(inplace),
          reread_path_(reread_path),
          file_(file),
          dir_(std::move(dir)),
          limits_(limits),
          newlines_(scratch.newlines),
          cursor_(newlines_, text.size()),
          fix_ids_(scratch.fix_ids),
          refs_(scratch.refs),
          scratch_(scratch.text),
          buffer_(scratch.copy) {
        newlines_.clear();
        fix_ids_.clear();
    }

    PackLoadResult run();

private:
    // --- problems and locations ---
    SourcePos pos(std::size_t offset) {
        SourcePos p;
        if (offset != npos) locate(offset, p.line, p.column);
        return p;
    }
    SourceLocation where(std::size_t offset) {
        SourceLocation loc;
        loc.file = file_;
        if (offset != npos) locate(offset, loc.line, loc.column);
        return loc;
    }
    void locate(std::size_t offset, int& line, int& column) {
        cursor_.locate(offset, line, column);
    }
    void problem(PackProblem::Severity sev, std::size_t offset, std::string message) {
        if (sev == PackProblem::Severity::error) ++errors_;
        if (problems_.size() >= kMaxProblems) return;
        PackProblem p;
        p.severity = sev;
        p.where = where(offset);
        p.message = std::move(message);
        if (problems_.size() + 1 == kMaxProblems) {
            p.severity = PackProblem::Severity::error;
            p.message = "too many problems; stopped reporting";
        }
        problems_.push_back(std::move(p));
    }
    void error(std::size_t offset, std::string message) {
        problem(PackProblem::Severity::error, offset, std::move(message));
    }
    void warning(std::size_t offset, std::string message) {
        problem(PackProblem::Severity::warning, offset, std::move(message));
    }

    // name_key of a name in the parse buffer: eight bytes at once where the buffer has them (the
    // bytes from the NUL on are cleared; the lowest bit of `zero` is exactly the first NUL's).
    std::uint64_t key_of(const char* name) const {
        std::uint64_t key;
        const std::size_t o = offset_of(name);
        if (std::endian::native == std::endian::little && o != npos && o + 8 <= text_.size()) {
            std::memcpy(&key, name, 8);
            const std::uint64_t zero = (key - 0x0101010101010101ULL) & ~key & 0x8080808080808080ULL;
            if (zero != 0) key &= (zero & (0 - zero)) - 1;
            return key;
        }
        key = 0;
        for (std::size_t b = 0; b < 8 && name[b] != '\0'; ++b)
            key |= std::uint64_t{static_cast<unsigned char>(name[b])} << (8 * b);
        return key;
    }

    std::size_t offset_of(const char* p) const {
        if (p >= base_ && p < base_ + text_.size()) return static_cast<std::size_t>(p - base_);
        return npos;
    }
    // Offset of an element's '<'.
    std::size_t off(pugi::xml_node n) const {
        const std::size_t name = offset_of(n.name());
        if (name != npos && name > 0) return name - 1;
        const std::ptrdiff_t dbg = n.offset_debug();
        return dbg >= 0 ? static_cast<std::size_t>(dbg) : npos;
    }
    // The same, given the element's name (saves a call into the library).
    std::size_t off(pugi::xml_node n, const char* name) const {
        const std::size_t o = offset_of(name);
        return o != npos && o > 0 ? o - 1 : off(n);
    }
    std::size_t off(pugi::xml_attribute a) const { return offset_of(a.name()); }
    std::size_t off(Attr a) const { return a ? offset_of(a.name_) : npos; }
    std::size_t text_off(pugi::xml_node text) const { return offset_of(text.value()); }

    // --- generic element helpers ---
    template <std::size_t N>
    void read_attrs(pugi::xml_node el, std::span<const std::string_view> names,
                    std::uint32_t allowed, AttrTable<N>& out) {
        read_attrs(el, names.first(std::min(names.size(), N)), allowed, out.slots, out.present);
    }
    void read_attrs(pugi::xml_node el, std::span<const std::string_view> names,
                    std::uint32_t allowed, Attr* slots, std::uint32_t& present);
    bool require(pugi::xml_node el, Attr a, std::string_view name);
    std::optional<bool> boolean(Attr a);
    // The text of an element that holds only text. The view is valid until the next call.
    std::string_view text_of(pugi::xml_node el, std::size_t& offset);
    void expect_empty(pugi::xml_node el);
    bool stray_text(pugi::xml_node child, pugi::xml_node parent);
    // True for an element child; reports non-blank text (as stray_text does) and skips the rest.
    bool child_element(pugi::xml_node child, pugi::xml_node parent);
    void check_refs(std::string_view s, std::size_t offset, const Scope& scope);

    // --- the format ---
    void check_top_level(pugi::xml_document& doc, pugi::xml_node& root);
    void check_depth(pugi::xml_node root);
    void parse_pack(pugi::xml_node root);
    void parse_param(pugi::xml_node el);
    void parse_fix(pugi::xml_node el);
    void parse_text(pugi::xml_node el, LocalizedText& text);
    void parse_when(pugi::xml_node el, Fix& fix, const Scope& scope);
    void parse_phase(pugi::xml_node el, std::vector<Step>& phase,
                     std::vector<std::string>& captures);
    void parse_step(pugi::xml_node el, const char* el_name, const StepKindInfo& info, Step& step,
                    std::vector<std::string>& captures);
    void parse_command_args(pugi::xml_node el, std::vector<std::string>& argv, const Scope& scope,
                            bool skip_first_script);
    void parse_diagnostics(pugi::xml_node el, Fix& fix, const Scope& scope);
    void parse_foreach(Attr a, Step& step, Scope& scope);
    void parse_except(Attr a, Step& step, const Scope& scope);
    std::optional<long long> duration(Attr a);

    static constexpr std::size_t kMaxProblems = 200;
    static constexpr int kDeepestValidNesting = 5;

    // The document as it was before the parse modified it; only error paths need it.
    std::string_view original();

    std::string_view text_;
    char* inplace_;
    const std::string* reread_path_;
    bool reread_ = false;
    ByteBuffer original_;  // the re-read bytes when the document was parsed in place
    const char* base_ = nullptr;
    const std::string& file_;
    std::string dir_;  // moved into the pack
    const PackLoadLimits& limits_;
    std::vector<std::size_t>& newlines_;  // offsets of the '\n's, for cursor_
    LineCursor cursor_;
    std::vector<PackProblem> problems_;
    std::size_t errors_ = 0;
    FixPack pack_;
    bool seen_fix_ = false;
    bool too_many_fixes_ = false;
    std::vector<FixIdUse>& fix_ids_;
    std::vector<pack_syntax::VarRef>& refs_;  // scratch for check_refs
    std::string& scratch_;                    // scratch for text_of
    std::string& buffer_;                     // the private, mutable copy parsed in place
};

std::string_view Loader::original() {
    if (!inplace_) return text_;
    if (!reread_ && reread_path_) {
        reread_ = true;
        // The file changed in between (or cannot be read again): fall back to the parsed buffer,
        // which has the same text up to the first entity or CR, so positions stay close.
        if (!read_file_bounded(*reread_path_, text_.size(), original_).empty() ||
            original_.size() != text_.size())
            original_.clear();
    }
    if (!original_.empty()) return {original_.data(), original_.size()};
    return text_;
}

void Loader::read_attrs(pugi::xml_node el, std::span<const std::string_view> names,
                        std::uint32_t allowed, Attr* slots, std::uint32_t& present) {
    for (pugi::xml_attribute a = el.first_attribute(); valid(a); a = a.next_attribute()) {
        const char* name = a.name();
        // Only the allowed names: this runs for every attribute of every pack.
        std::size_t i = names.size();
        if (names.data() == kStepAttrNames.data()) {
            const std::uint64_t key = key_of(name);
            const int k = kStepAttrTable[key_slot(key)];
            if (k >= 0 && (allowed & bit(static_cast<unsigned>(k))) &&
                key == kStepAttrKeys[static_cast<std::size_t>(k)]) {
                const std::string_view n = kStepAttrNames[static_cast<std::size_t>(k)];
                if (n.size() < 8 || is_name(name + 8, n.substr(8))) i = static_cast<std::size_t>(k);
            }
        } else {
            for (std::uint32_t m =
                     allowed &
                     (names.size() >= 32 ? ~0u : bit(static_cast<unsigned>(names.size())) - 1);
                 m != 0; m &= m - 1) {
                const auto k = static_cast<std::size_t>(std::countr_zero(m));
                if (is_name(name, names[k])) {
                    i = k;
                    break;
                }
            }
        }
        if (i == names.size()) {
            error(off(a), "unknown attribute " + quoted(name) + " on " + tag(el.name()));
        } else if ((present >> i) & 1u) {
            error(off(a), "attribute " + quoted(name) + " is given twice");
        } else {
            slots[i] = Attr{name, a.value()};
            present |= bit(static_cast<unsigned>(i));
        }
    }
}

bool Loader::require(pugi::xml_node el, Attr a, std::string_view name) {
    if (a) return true;
    error(off(el), tag(el.name()) + " needs the attribute " + quoted(name));
    return false;
}

std::optional<bool> Loader::boolean(Attr a) {
    const std::string_view v = a.value();
    if (v == "true") return true;
    if (v == "false") return false;
    error(off(a), quoted(a.name()) + " must be \"true\" or \"false\", not " + quoted(v));
    return std::nullopt;
}

std::optional<long long> Loader::duration(Attr a) {
    const auto ms = parse_duration_ms(a.value());
    if (!ms) {
        error(off(a), "bad duration " + quoted(a.value()) + " for " + quoted(a.name()) +
                          ": write e.g. 500ms, 30s, 5m, 2h or 7d");
    }
    return ms;
}

std::string_view Loader::text_of(pugi::xml_node el, std::size_t& offset) {
    pugi::xml_node c = el.first_child();
    // The common case, a single text node: a view into the parsed buffer, no copy.
    if (valid(c) && !valid(c.next_sibling())) {
        const auto type = c.type();
        if (type == pugi::node_pcdata || type == pugi::node_cdata) {
            const char* v = c.value();
            const std::size_t o = offset_of(v);
            offset = o != npos ? o : off(el);
            return v;
        }
    }
    offset = off(el);
    scratch_.clear();
    bool first = true;
    for (; valid(c); c = c.next_sibling()) {
        const auto type = c.type();
        if (type == pugi::node_pcdata || type == pugi::node_cdata) {
            if (first && text_off(c) != npos) offset = text_off(c);
            first = false;
            scratch_ += c.value();
        } else if (type == pugi::node_element) {
            error(off(c), tag(el.name()) + " holds only text, not " + tag(c.name()));
        }
    }
    return scratch_;
}

bool Loader::stray_text(pugi::xml_node child, pugi::xml_node parent) {
    const auto type = child.type();
    if (type != pugi::node_pcdata && type != pugi::node_cdata) return false;
    if (!is_blank(child.value())) {
        std::size_t o = text_off(child);
        if (o != npos) {
            const std::string_view text = original();
            o = std::min(text.find_first_not_of(" \t\r\n", o), text.size());
        }
        error(o, "unexpected text in " + tag(parent.name()));
    }
    return true;
}

bool Loader::child_element(pugi::xml_node child, pugi::xml_node parent) {
    const auto type = child.type();
    if (type == pugi::node_element) return true;
    if (type == pugi::node_pcdata || type == pugi::node_cdata) stray_text(child, parent);
    return false;
}

void Loader::expect_empty(pugi::xml_node el) {
    for (pugi::xml_node c = el.first_child(); valid(c); c = c.next_sibling()) {
        if (stray_text(c, el)) continue;
        if (c.type() == pugi::node_element)
            error(off(c), tag(el.name()) + " has no child elements; found " + tag(c.name()));
    }
}

void Loader::check_refs(std::string_view s, std::size_t offset, const Scope& scope) {
    // Most values hold no reference. An inline scan: they are short, and a call to memchr costs
    // more than it saves.
    if (std::find(s.begin(), s.end(), '$') == s.end()) return;
    std::vector<pack_syntax::VarRef>& refs = refs_;
    refs.clear();
    std::size_t bad = 0;
    if (!pack_syntax::scan_refs(s, refs, bad)) {
        error(offset, "malformed variable reference " + quoted(s.substr(bad, 40)) +
                          ": write ${name} or ${item.field}, and $$ for a literal $");
    }
    for (const auto& r : refs) {
        // Only built when there is an error to report.
        const auto shown = [&r] {
            return "${" + std::string(r.name) +
                   (r.field.empty() ? "" : "." + std::string(r.field)) + "}";
        };
        if (!scope.foreach_var.empty() && same(r.name, scope.foreach_var)) {
            if (scope.foreach_unknown) continue;
            const Param* list = scope.foreach_param;
            const bool records = list && !list->fields.empty();
            if (r.field.empty() && records) {
                error(offset, shown() + " is a record; use one of its fields, e.g. ${" +
                                  std::string(r.name) + "." + list->fields.front() + "}");
            } else if (!r.field.empty() && !records) {
                error(offset, shown() + ": the items of " + quoted(r.name) + " have no fields");
            } else if (!r.field.empty() && std::find(list->fields.begin(), list->fields.end(),
                                                     r.field) == list->fields.end()) {
                error(offset, shown() + ": list param " + quoted(list->name) + " has no field " +
                                  quoted(r.field));
            }
        } else if (is_builtin(r.name)) {
            if (!r.field.empty()) error(offset, shown() + ": built-in variables have no fields");
        } else if (const Param* p = scope.param(r.name)) {
            if (p->is_list)
                error(offset,
                      shown() + " is a list; use it with foreach=\"item in " + p->name + "\"");
            else if (!r.field.empty())
                error(offset, shown() + ": param " + quoted(p->name) + " has no fields");
        } else if (scope.captured(r.name)) {
            error(offset, shown() + " is a captured list; use it with foreach=\"item in " +
                              std::string(r.name) + "\"");
        } else {
            error(offset, "unknown variable " + shown() + ": declare it with <param name=\"" +
                              std::string(r.name) + "\"/>");
        }
    }
}

void Loader::check_top_level(pugi::xml_document& doc, pugi::xml_node& root) {
    bool first = true;
    for (pugi::xml_node c = doc.first_child(); valid(c); c = c.next_sibling()) {
        switch (c.type()) {
            case pugi::node_doctype: {
                std::size_t o = text_off(c);
                if (o != npos) {
                    const std::size_t lt = original().rfind("<!", o);
                    o = lt != npos ? lt : o;
                }
                error(o, "DOCTYPE is not allowed in fix packs");
                break;
            }
            case pugi::node_declaration:
                if (!first) error(off(c), "the XML declaration must come first in the file");
                break;
            case pugi::node_pcdata:
            case pugi::node_cdata:
                if (!is_blank(c.value())) {
                    // Point at the first visible character, found in the original text.
                    std::size_t o = text_off(c);
                    if (o != npos) {
                        const std::string_view text = original();
                        o = std::min(text.find_first_not_of(" \t\r\n", o), text.size());
                    }
                    error(o, "text outside the root element");
                }
                break;
            case pugi::node_element:
                if (!root)
                    root = c;
                else
                    error(off(c), "a second root element " + tag(c.name()) +
                                      ": a fix pack has exactly one <fixpack>");
                break;
            default:
                break;
        }
        first = false;
    }
}

// Iterative, so hostile nesting cannot exhaust the stack.
void Loader::check_depth(pugi::xml_node root) {
    int depth = 1;
    pugi::xml_node n = root.first_child();
    if (!n) return;
    ++depth;
    while (n && n != root) {
        if (n.type() == pugi::node_element && depth > limits_.max_depth) {
            error(off(n),
                  "elements nested deeper than " + std::to_string(limits_.max_depth) + " levels");
            return;
        }
        if (pugi::xml_node child = n.first_child()) {
            n = child;
            ++depth;
            continue;
        }
        while (n != root && !n.next_sibling()) {
            n = n.parent();
            --depth;
        }
        if (n == root) break;
        n = n.next_sibling();
    }
}

void Loader::parse_pack(pugi::xml_node root) {
    if (std::string_view(root.name()) != "fixpack") {
        error(off(root), "the root element must be <fixpack>, not " + tag(root.name()));
        return;
    }
    enum { k_xmlns, k_id, k_version, k_xsi, k_schema, k_count };
    static constexpr std::array<std::string_view, k_count> names = {
        "xmlns", "id", "version", "xmlns:xsi", "xsi:schemaLocation"};
    AttrTable<k_count> at;
    read_attrs(root, names, ~0u, at);

    if (!at[k_xmlns]) {
        error(off(root), "<fixpack> needs xmlns=\"" + std::string(kNamespace) + "\"");
    } else if (at[k_xmlns].value() != kNamespace) {
        error(off(at[k_xmlns]), "wrong namespace " + quoted(at[k_xmlns].value()) + ": expected \"" +
                                    std::string(kNamespace) + "\"");
    }
    if (at[k_xsi] && at[k_xsi].value() != kXsiNamespace)
        error(off(at[k_xsi]), "xmlns:xsi must be \"" + std::string(kXsiNamespace) + "\"");
    if (at[k_schema] && !at[k_xsi]) error(off(at[k_schema]), "xsi:schemaLocation needs xmlns:xsi");
    if (require(root, at[k_id], "id")) {
        if (!pack_syntax::is_pack_id(at[k_id].value()))
            error(off(at[k_id]),
                  "bad pack id " + quoted(at[k_id].value()) +
                      ": use lower-case reverse-DNS such as com.example.helpdesk.vpn");
        pack_.id = at[k_id].value();
    }
    if (require(root, at[k_version], "version")) {
        const auto v =
            pack_syntax::parse_uint(at[k_version].value(), std::numeric_limits<int>::max());
        if (!v || *v < 1)
            error(off(at[k_version]),
                  "version must be a whole number >= 1, not " + quoted(at[k_version].value()));
        else
            pack_.version = static_cast<int>(*v);
    }

    std::size_t count = 0;
    for (pugi::xml_node c = root.first_child(); valid(c); c = c.next_sibling()) ++count;
    pack_.fixes.reserve(std::min(count, limits_.max_fixes));
    fix_ids_.reserve(std::min(count, limits_.max_fixes));
    for (pugi::xml_node c = root.first_child(); valid(c); c = c.next_sibling()) {
        if (!child_element(c, root)) continue;
        const char* name = c.name();
        if (is_name(name, "param")) {
            if (seen_fix_) error(off(c), "<param> must come before the first <fix>");
            parse_param(c);
        } else if (is_name(name, "fix")) {
            seen_fix_ = true;
            if (pack_.fixes.size() >= limits_.max_fixes) {
                if (!too_many_fixes_)
                    error(off(c),
                          "too many fixes: the limit is " + std::to_string(limits_.max_fixes));
                too_many_fixes_ = true;
                continue;
            }
            parse_fix(c);
        } else {
            error(off(c), "unknown element " + tag(name) + " in <fixpack>");
        }
    }
    if (!seen_fix_) error(off(root), "a fix pack needs at least one <fix>");
}

void Loader::parse_param(pugi::xml_node el) {
    enum { k_name, k_list, k_fields, k_default, k_count };
    static constexpr std::array<std::string_view, k_count> names = {"name", "list", "fields",
                                                                    "default"};
    AttrTable<k_count> at;
    read_attrs(el, names, ~0u, at);
    expect_empty(el);
    Param p;
    p.where = pos(off(el));
    if (!require(el, at[k_name], "name")) return;
    p.name = at[k_name].value();
    if (!pack_syntax::is_identifier(p.name)) {
        error(off(at[k_name]), "bad param name " + quoted(p.name) +
                                   ": use letters, digits and _ (not starting with a digit)");
    } else if (is_builtin(p.name)) {
        error(off(at[k_name]),
              "param " + quoted(p.name) + " would hide the built-in ${" + p.name + "}");
    } else {
        for (const Param& other : pack_.params)
            if (other.name == p.name) {
                error(off(at[k_name]), "param " + quoted(p.name) + " is declared twice");
                return;
            }
    }
    if (at[k_list]) p.is_list = boolean(at[k_list]).value_or(false);
    if (at[k_fields]) {
        if (!p.is_list) error(off(at[k_fields]), "fields is only allowed with list=\"true\"");
        for (std::string_view f : pack_syntax::split_ws(at[k_fields].value())) {
            if (!pack_syntax::is_identifier(f))
                error(off(at[k_fields]), "bad field name " + quoted(f));
            else if (std::find(p.fields.begin(), p.fields.end(), f) != p.fields.end())
                error(off(at[k_fields]), "field " + quoted(f) + " is listed twice");
            else
                p.fields.emplace_back(f);
        }
        if (p.fields.empty()) error(off(at[k_fields]), "fields is empty");
    }
    if (at[k_default]) {
        if (p.is_list)
            error(off(at[k_default]),
                  "a list param has no default; lists come from the site "
                  "config");
        else
            p.default_value = at[k_default].value();
    }
    pack_.params.push_back(std::move(p));
}

void Loader::parse_text(pugi::xml_node el, LocalizedText& text) {
    Attr lang{};
    for (pugi::xml_attribute a = el.first_attribute(); valid(a); a = a.next_attribute()) {
        const char* name = a.name();
        if (is_name(name, "xml:lang") && !lang)
            lang = Attr{name, a.value()};
        else if (is_name(name, "xml:lang"))
            error(off(a), "attribute \"xml:lang\" is given twice");
        else
            error(off(a), "unknown attribute " + quoted(name) + " on " + tag(el.name()));
    }
    std::string key;
    if (lang) {
        const std::string_view v = lang.value();
        if (!pack_syntax::is_language_tag(v)) {
            error(off(lang), "bad xml:lang " + quoted(v) +
                                 ": use a language tag such as \"de\" or \"pt-BR\" (leave "
                                 "xml:lang out for the default text)");
            return;
        }
        key = v;
    }
    std::size_t text_offset = 0;
    const std::string_view body = trim(text_of(el, text_offset));
    if (body.empty()) {
        error(off(el), tag(el.name()) + " is empty");
        return;
    }
    for (const auto& [existing, _] : text.by_lang) {
        if (existing.size() == key.size() &&
            std::equal(existing.begin(), existing.end(), key.begin(),
                       [](char a, char b) { return ascii_lower(a) == ascii_lower(b); })) {
            error(off(el), key.empty()
                               ? "a second " + tag(el.name()) + " without xml:lang"
                               : "a second " + tag(el.name()) + " for language " + quoted(key));
            return;
        }
    }
    if (text.by_lang.empty()) text.by_lang.reserve(2);
    text.by_lang.emplace_back(std::move(key), body);
}

void Loader::parse_when(pugi::xml_node el, Fix& fix, const Scope& scope) {
    static constexpr std::array<std::string_view, 3> names = {"name", "path", "negate"};
    for (pugi::xml_node c = el.first_child(); valid(c); c = c.next_sibling()) {
        if (!child_element(c, el)) continue;
        const char* name = c.name();
        Condition cond;
        unsigned value_attr;
        if (is_name(name, "program-exists"))
            cond.kind = Condition::Kind::program_exists, value_attr = 0;
        else if (is_name(name, "path-exists"))
            cond.kind = Condition::Kind::path_exists, value_attr = 1;
        else if (is_name(name, "env-set"))
            cond.kind = Condition::Kind::env_set, value_attr = 0;
        else {
            error(off(c), "unknown element " + tag(name) + " in <when>");
            continue;
        }
        AttrTable<3> at;
        read_attrs(c, names, bit(value_attr) | bit(2), at);
        expect_empty(c);
        cond.where = pos(off(c));
        if (at[2]) cond.negate = boolean(at[2]).value_or(false);
        if (!require(c, at[value_attr], names[value_attr])) continue;
        cond.value = at[value_attr].value();
        if (cond.value.empty()) error(off(at[value_attr]), quoted(names[value_attr]) + " is empty");
        check_refs(cond.value, off(at[value_attr]), scope);
        fix.conditions.push_back(std::move(cond));
    }
}

void Loader::parse_command_args(pugi::xml_node el, std::vector<std::string>& argv,
                                const Scope& scope, bool skip_first_script) {
    const Children children(el);
    argv.reserve(children.size());
    pugi::xml_node c = std::bit_cast<pugi::xml_node>(static_cast<const void*>(nullptr));
    for (std::size_t i = 0; i < children.size(); ++i) {
        c = children.at(i, c);
        if (!child_element(c, el)) continue;
        const char* name = c.name();
        if (skip_first_script && is_name(name, "script")) continue;  // handled by the caller
        if (!is_name(name, "arg")) {
            error(off(c),
                  "unknown element " + tag(name) + " in " + tag(el.name()) +
                      (skip_first_script ? ": expected <script> and <arg>" : ": expected <arg>"));
            continue;
        }
        for (pugi::xml_attribute a = c.first_attribute(); valid(a); a = a.next_attribute())
            error(off(a), "unknown attribute " + quoted(a.name()) + " on <arg>");
        std::size_t text_offset = 0;
        const std::string_view value = text_of(c, text_offset);
        check_refs(value, text_offset, scope);
        argv.emplace_back(value);
    }
}

void Loader::parse_foreach(Attr a, Step& step, Scope& scope) {
    std::string_view parts[3];
    pack_syntax::Words words(a.value());
    std::size_t n = 0;
    for (std::string_view w; words.next(w); ++n)
        if (n < 3) parts[n] = w;
    if (n != 3 || parts[1] != "in" || !pack_syntax::is_identifier(parts[0]) ||
        !pack_syntax::is_identifier(parts[2])) {
        error(off(a), "bad foreach " + quoted(a.value()) + ": write foreach=\"item in list\"");
        return;
    }
    const std::string_view var = parts[0], list = parts[2];
    // From here on the variable is in scope even when the list is wrong, so its uses inside the
    // step do not produce a second, misleading error.
    step.foreach_var = var;
    scope.foreach_var = step.foreach_var;
    scope.foreach_unknown = true;
    if (is_builtin(var) || scope.param(var) || scope.captured(var)) {
        error(off(a), "foreach variable " + quoted(var) + " would hide a variable of that name");
        return;
    }
    const Param* p = scope.param(list);
    if (p && !p->is_list) {
        error(off(a), "foreach needs a list; param " + quoted(list) + " is not list=\"true\"");
        return;
    }
    if (!p && !scope.captured(list)) {
        error(off(a), "foreach over unknown list " + quoted(list) + ": declare <param name=\"" +
                          std::string(list) +
                          "\" list=\"true\"/> or capture it in an earlier step");
        return;
    }
    step.foreach_list = list;
    scope.foreach_param = p;
    scope.foreach_unknown = false;
}

void Loader::parse_except(Attr a, Step& step, const Scope& scope) {
    const std::string_view v = a.value();
    const std::size_t dot = v.find('.');
    const std::string_view list = v.substr(0, dot);
    const std::string_view field = dot == npos ? std::string_view{} : v.substr(dot + 1);
    if (!pack_syntax::is_identifier(list) || (dot != npos && !pack_syntax::is_identifier(field))) {
        error(off(a), "bad except " + quoted(v) + ": write except=\"list\" or \"list.field\"");
        return;
    }
    const Param* p = scope.param(list);
    if (p && !p->is_list) {
        error(off(a), "except needs a list; param " + quoted(list) + " is not list=\"true\"");
        return;
    }
    if (!p && !scope.captured(list)) {
        error(off(a), "except names unknown list " + quoted(list));
        return;
    }
    const bool records = p && !p->fields.empty();
    if (records && field.empty()) {
        error(off(a), "except on list " + quoted(list) + " needs a field, e.g. \"" +
                          std::string(list) + "." + p->fields.front() + "\"");
        return;
    }
    if (!field.empty() &&
        (!records || std::find(p->fields.begin(), p->fields.end(), field) == p->fields.end())) {
        error(off(a), "list " + quoted(list) + " has no field " + quoted(field));
        return;
    }
    step.foreach_except = v;
}

void Loader::parse_step(pugi::xml_node el, const char* el_name, const StepKindInfo& info,
                        Step& step, std::vector<std::string>& captures) {
    AttrTable<kStepAttrCount> at;
    read_attrs(el, kStepAttrNames, info.attrs, at);
    step.kind = info.kind;
    step.where = pos(off(el, el_name));
    Scope scope{&pack_.params, &captures, {}, nullptr, false};

    if (at[a_foreach]) parse_foreach(at[a_foreach], step, scope);
    if (at[a_except]) {
        if (!at[a_foreach])
            error(off(at[a_except]), "except is only allowed with foreach");
        else
            parse_except(at[a_except], step, scope);
    }
    const auto text_attr = [&](unsigned i, std::string& out, bool required) {
        if (!at[i]) {
            if (required) require(el, at[i], kStepAttrNames[i]);
            return false;
        }
        out = at[i].value();
        if (out.empty()) {
            error(off(at[i]), quoted(kStepAttrNames[i]) + " is empty");
            return false;
        }
        check_refs(out, off(at[i]), scope);
        return true;
    };
    if (at[a_label]) {
        step.label = at[a_label].value();
        check_refs(step.label, off(at[a_label]), scope);
    }
    if (at[a_timeout]) {
        if (const auto ms = duration(at[a_timeout])) {
            if (*ms == 0)
                error(off(at[a_timeout]), "timeout must be more than 0");
            else
                step.timeout = std::chrono::milliseconds(*ms);
        }
    }
    if (at[a_ok_exit]) {
        if (auto codes =
                pack_syntax::parse_int_list(at[a_ok_exit].value(), std::numeric_limits<int>::min(),
                                            std::numeric_limits<int>::max()))
            step.ok_exit_codes = std::move(*codes);
        else
            error(off(at[a_ok_exit]), "bad ok-exit " + quoted(at[a_ok_exit].value()) +
                                          ": write exit codes separated by spaces, e.g. \"0 1\"");
    }
    if (at[a_continue_on_error])
        step.continue_on_error = boolean(at[a_continue_on_error]).value_or(false);
    if (at[a_admin]) step.admin = boolean(at[a_admin]).value_or(false);
    text_attr(a_if_program, step.if_program, false);
    text_attr(a_skip_if_running, step.skip_if_running, false);

    switch (info.kind) {
        case StepKind::run:
        case StepKind::shell: {
            if (at[a_stdout_match]) {
                step.stdout_match = at[a_stdout_match].value();
                check_refs(step.stdout_match, off(at[a_stdout_match]), scope);
                if (auto why = stdout_match_problem(step.stdout_match); !why.empty())
                    error(off(at[a_stdout_match]), why);
            }
            if (at[a_capture]) {
                const std::string_view name = at[a_capture].value();
                if (!pack_syntax::is_identifier(name))
                    error(off(at[a_capture]), "bad capture name " + quoted(name));
                else if (is_builtin(name) || scope.param(name) || name == step.foreach_var)
                    error(off(at[a_capture]),
                          "capture " + quoted(name) + " would hide a variable of that name");
                else
                    step.capture = name;
            }
            if (info.kind == StepKind::run) {
                parse_command_args(el, step.argv, scope, false);
                if (step.argv.empty())
                    error(off(el), "<run> needs at least one <arg>: the program to run");
                else if (step.argv.front().empty())
                    error(off(el), "the first <arg> of <run> (the program) is empty");
            } else {
                warning(off(el), "shell steps run a command interpreter; prefer <run>");
                if (require(el, at[a_interpreter], "interpreter")) {
                    step.interpreter = at[a_interpreter].value();
                    static constexpr std::array<std::string_view, 4> ok = {"sh", "bash",
                                                                           "powershell", "cmd"};
                    if (std::find(ok.begin(), ok.end(), step.interpreter) == ok.end())
                        error(off(at[a_interpreter]), "unknown interpreter " +
                                                          quoted(step.interpreter) +
                                                          ": use sh, bash, powershell or cmd");
                }
                pugi::xml_node script;
                bool arg_seen = false;
                for (pugi::xml_node c = el.first_child(); valid(c); c = c.next_sibling()) {
                    if (c.type() != pugi::node_element) continue;
                    const char* name = c.name();
                    if (is_name(name, "arg")) arg_seen = true;
                    if (!is_name(name, "script")) continue;
                    if (script)
                        error(off(c), "<shell> takes one <script>");
                    else if (arg_seen)
                        error(off(c), "<script> must come before the <arg>s");
                    script = c;
                    for (pugi::xml_attribute a = c.first_attribute(); valid(a);
                         a = a.next_attribute())
                        error(off(a), "unknown attribute " + quoted(a.name()) + " on <script>");
                }
                if (!script) {
                    error(off(el), "<shell> needs a <script>");
                } else {
                    std::size_t text_offset = 0;
                    step.script = text_of(script, text_offset);
                    if (is_blank(step.script)) error(off(script), "<script> is empty");
                    check_refs(step.script, text_offset, scope);
                }
                parse_command_args(el, step.argv, scope, true);
            }
            break;
        }
        case StepKind::delete_files:
        case StepKind::exists: {
            expect_empty(el);
            const bool is_exists = info.kind == StepKind::exists;
            if (is_exists && at[a_path]) {
                if (at[a_root] || at[a_glob])
                    error(off(at[a_path]), "<exists> takes either path or root and glob, not both");
                if (text_attr(a_path, step.path, false) && !is_variable_or_absolute(step.path))
                    error(off(at[a_path]), "path must be absolute or start with a ${variable}");
            } else {
                if (is_exists && !at[a_root] && !at[a_glob]) {
                    error(off(el), "<exists> needs either path or root and glob");
                } else {
                    if (text_attr(a_root, step.root, true) && !is_variable_or_absolute(step.root))
                        error(off(at[a_root]), "root must be absolute or start with a ${variable}");
                    if (text_attr(a_glob, step.glob, true)) {
                        bool dotdot = false;
                        std::size_t start = 0;
                        const std::string& g = step.glob;
                        while (start <= g.size()) {  // a ".." segment, split at '/' or '\\'
                            std::size_t end = start;
                            while (end < g.size() && g[end] != '/' && g[end] != '\\') ++end;
                            if (end - start == 2 && g[start] == '.' && g[start + 1] == '.')
                                dotdot = true;
                            start = end + 1;
                        }
                        if (is_absolute_path(g))
                            error(off(at[a_glob]), "glob must be relative to root");
                        else if (dotdot)
                            error(off(at[a_glob]), "glob must not contain \"..\"");
                    }
                }
            }
            if (!is_exists && at[a_older_than]) {
                if (const auto ms = duration(at[a_older_than])) {
                    if (*ms % 1000 != 0)
                        error(off(at[a_older_than]), "older-than is counted in whole seconds");
                    else
                        step.older_than = std::chrono::seconds(*ms / 1000);
                }
            }
            if (at[a_expect]) {
                const std::string_view v = at[a_expect].value();
                if (v == "present" || v == "absent")
                    step.expect_present = v == "present";
                else
                    error(off(at[a_expect]), "expect must be \"present\" or \"absent\"");
            }
            if (at[a_type]) {
                step.type = at[a_type].value();
                if (step.type != "file" && step.type != "dir")
                    error(off(at[a_type]), "type must be \"file\" or \"dir\"");
            }
            break;
        }
        case StepKind::end_process:
            expect_empty(el);
            text_attr(a_name, step.process_name, true);
            if (at[a_grace])
                if (const auto ms = duration(at[a_grace]))
                    step.grace = std::chrono::milliseconds(*ms);
            break;
        case StepKind::http_probe:
            expect_empty(el);
            if (text_attr(a_url, step.url, true)) {
                const std::string& u = step.url;
                const auto starts = [&](std::string_view prefix) {
                    return u.size() >= prefix.size() &&
                           std::equal(prefix.begin(), prefix.end(), u.begin(),
                                      [](char a, char b) { return a == ascii_lower(b); });
                };
                if (!starts("http://") && !starts("https://") && !u.starts_with("${"))
                    error(off(at[a_url]),
                          "url must start with http:// or https:// (or a "
                          "${variable})");
            }
            if (at[a_expect_status]) {
                if (auto codes = pack_syntax::parse_int_list(at[a_expect_status].value(), 100, 599))
                    step.expect_status_codes = std::move(*codes);
                else
                    error(off(at[a_expect_status]),
                          "bad expect-status " + quoted(at[a_expect_status].value()) +
                              ": write HTTP status codes (100-599) separated by spaces");
            }
            break;
        case StepKind::dns_resolve:
        case StepKind::tcp_connect:
            expect_empty(el);
            text_attr(a_host, step.host, true);
            if (info.kind == StepKind::tcp_connect && require(el, at[a_port], "port")) {
                const auto port = pack_syntax::parse_uint(at[a_port].value(), 65535);
                if (!port || *port < 1)
                    error(off(at[a_port]), "port must be a number from 1 to 65535, not " +
                                               quoted(at[a_port].value()));
                else
                    step.port = static_cast<int>(*port);
            }
            break;
        case StepKind::wait:
            expect_empty(el);
            if (require(el, at[a_duration], "duration"))
                if (const auto ms = duration(at[a_duration]))
                    step.duration = std::chrono::milliseconds(*ms);
            break;
    }
}

void Loader::parse_phase(pugi::xml_node el, std::vector<Step>& phase,
                         std::vector<std::string>& captures) {
    for (pugi::xml_attribute a = el.first_attribute(); valid(a); a = a.next_attribute())
        error(off(a), "unknown attribute " + quoted(a.name()) + " on " + tag(el.name()));
    bool too_many = false;
    const Children children(el);
    phase.reserve(std::min(children.size(), limits_.max_steps_per_phase));
    pugi::xml_node c = std::bit_cast<pugi::xml_node>(static_cast<const void*>(nullptr));
    for (std::size_t i = 0; i < children.size(); ++i) {
        c = children.at(i, c);
        if (!child_element(c, el)) continue;
        const char* name = c.name();
        const StepKindInfo* info = step_kind_of(key_of(name), name);
        if (!info) {
            error(off(c), "unknown step " + tag(c.name()) +
                              ": use run, shell, delete-files, end-process, http-probe, "
                              "dns-resolve, tcp-connect, exists or wait");
            continue;
        }
        if (phase.size() >= limits_.max_steps_per_phase) {
            if (!too_many)
                error(off(c), "too many steps in " + tag(el.name()) + ": the limit is " +
                                  std::to_string(limits_.max_steps_per_phase));
            too_many = true;
            continue;
        }
        phase.emplace_back();
        parse_step(c, name, *info, phase.back(), captures);
        if (!phase.back().capture.empty()) captures.push_back(phase.back().capture);
    }
    if (phase.empty()) {
        error(off(el), std::string_view(el.name()) == "steps"
                           ? "a fix needs at least one step in <steps>"
                           : tag(el.name()) + " has no steps; add one or leave it out");
    }
}

void Loader::parse_diagnostics(pugi::xml_node el, Fix& fix, const Scope& scope) {
    for (pugi::xml_attribute a = el.first_attribute(); valid(a); a = a.next_attribute())
        error(off(a), "unknown attribute " + quoted(a.name()) + " on <diagnostics>");
    static constexpr std::array<std::string_view, 2> names = {"name", "path"};
    for (pugi::xml_node c = el.first_child(); valid(c); c = c.next_sibling()) {
        if (!child_element(c, el)) continue;
        const char* name = c.name();
        DiagnosticItem item;
        item.where = pos(off(c));
        AttrTable<2> at;
        if (is_name(name, "command")) {
            item.kind = DiagnosticItem::Kind::command;
            read_attrs(c, names, bit(0), at);
            parse_command_args(c, item.argv, scope, false);
            if (item.argv.empty() || item.argv.front().empty())
                error(off(c), "<command> needs at least one <arg>: the program to run");
        } else if (is_name(name, "file")) {
            item.kind = DiagnosticItem::Kind::file;
            read_attrs(c, names, bit(0) | bit(1), at);
            expect_empty(c);
            if (require(c, at[1], "path")) {
                item.path = at[1].value();
                check_refs(item.path, off(at[1]), scope);
                if (!is_variable_or_absolute(item.path))
                    error(off(at[1]), "path must be absolute or start with a ${variable}");
            }
        } else if (is_name(name, "fact")) {
            item.kind = DiagnosticItem::Kind::fact;
            read_attrs(c, names, bit(0), at);
            expect_empty(c);
        } else {
            error(off(c), "unknown element " + tag(name) +
                              " in <diagnostics>: expected <command>, <file> or <fact>");
            continue;
        }
        if (!require(c, at[0], "name")) continue;
        item.name = at[0].value();
        if (item.name.empty()) error(off(at[0]), "\"name\" is empty");
        if (item.kind == DiagnosticItem::Kind::fact) item.fact = item.name;
        fix.diagnostics.push_back(std::move(item));
    }
}

void Loader::parse_fix(pugi::xml_node el) {
    enum { k_id, k_category, k_platforms, k_count };
    static constexpr std::array<std::string_view, k_count> names = {"id", "category", "platforms"};
    AttrTable<k_count> at;
    read_attrs(el, names, ~0u, at);

    // Built in place: a Fix is large and is moved nowhere afterwards.
    Fix& fix = pack_.fixes.emplace_back();
    const std::size_t el_off = off(el);
    fix.where = pos(el_off);
    bool id_ok = false;
    if (require(el, at[k_id], "id")) {
        fix.id = at[k_id].value();
        id_ok = pack_syntax::is_fix_id(fix.id);
        if (!id_ok)
            error(off(at[k_id]), "bad fix id " + quoted(fix.id) +
                                     ": use lower-case letters, digits and -, e.g. reset-network");
    }
    if (at[k_category]) {
        fix.category = at[k_category].value();
        if (std::none_of(kCategories.begin(), kCategories.end(),
                         [&](std::string_view c) { return same(c, fix.category); }))
            error(off(at[k_category]), "unknown category " + quoted(fix.category) +
                                           ": use network, printing, performance, storage, "
                                           "accounts, software or other");
    }
    unsigned platform_mask = 0;
    if (require(el, at[k_platforms], "platforms")) {
        pack_syntax::Words words(at[k_platforms].value());
        bool any_word = false;
        for (std::string_view word; words.next(word);) {
            any_word = true;
            const auto p = platform_from_string(word);
            if (!p) {
                error(off(at[k_platforms]),
                      "unknown platform " + quoted(word) + ": use linux, windows or macos");
            } else if (platform_mask & (1u << static_cast<unsigned>(*p))) {
                error(off(at[k_platforms]), "platform " + quoted(word) + " is listed twice");
            } else {
                platform_mask |= 1u << static_cast<unsigned>(*p);
                fix.platforms.push_back(*p);
            }
        }
        if (!any_word)
            error(off(at[k_platforms]), "platforms is empty: list linux, windows and/or macos");
    }
    if (id_ok) {
        for (const FixIdUse& use : fix_ids_) {
            if (use.id != fix.id || !(use.platforms & platform_mask)) continue;
            int line = 0, column = 0;
            locate(use.offset, line, column);
            error(off(at[k_id]), "fix id " + quoted(fix.id) +
                                     " is already used on the same "
                                     "platform by the fix at line " +
                                     std::to_string(line));
            break;
        }
        fix_ids_.push_back({{at[k_id].value(), fix.id.size()}, platform_mask, el_off});
    }

    std::vector<std::string> captures;
    Scope scope{&pack_.params, nullptr, {}, nullptr, false};
    int last_part = -1;
    std::array<bool, kFixPartCount> seen{};
    pugi::xml_node steps_el;
    for (pugi::xml_node c = el.first_child(); valid(c); c = c.next_sibling()) {
        if (!child_element(c, el)) continue;
        const char* name = c.name();
        const int part = kFixPartIndex.find(key_of(name), name);
        if (part < 0) {
            error(off(c), "unknown element " + tag(name) + " in <fix>");
            continue;
        }
        const bool repeatable = part == p_title || part == p_description || part == p_confirm;
        if (seen[part] && !repeatable) {
            error(off(c), "only one " + tag(name) + " is allowed in a <fix>");
            continue;
        }
        if (part < last_part)
            error(off(c), tag(name) + " must come before " + tag(kFixPartNames[last_part]));
        last_part = std::max(last_part, part);
        seen[part] = true;
        switch (part) {
            case p_title:
                parse_text(c, fix.title);
                break;
            case p_description:
                parse_text(c, fix.description);
                break;
            case p_confirm:
                parse_text(c, fix.confirm);
                break;
            case p_keywords: {
                for (pugi::xml_attribute a = c.first_attribute(); valid(a); a = a.next_attribute())
                    error(off(a), "unknown attribute " + quoted(a.name()) + " on <keywords>");
                std::size_t text_offset = 0;
                const std::string_view words = text_of(c, text_offset);
                fix.keywords.reserve(
                    static_cast<std::size_t>(std::count(words.begin(), words.end(), ',')) + 1);
                std::size_t start = 0;
                while (start <= words.size()) {
                    std::size_t end = words.find(',', start);
                    if (end == npos) end = words.size();
                    const std::string_view w =
                        trim(std::string_view(words).substr(start, end - start));
                    if (!w.empty()) fix.keywords.emplace_back(w);
                    start = end + 1;
                }
                break;
            }
            case p_when:
                for (pugi::xml_attribute a = c.first_attribute(); valid(a); a = a.next_attribute())
                    error(off(a), "unknown attribute " + quoted(a.name()) + " on <when>");
                parse_when(c, fix, scope);
                break;
            case p_check:
                parse_phase(c, fix.check, captures);
                break;
            case p_steps:
                steps_el = c;
                parse_phase(c, fix.steps, captures);
                break;
            case p_verify:
                parse_phase(c, fix.verify, captures);
                break;
            case p_revert:
                parse_phase(c, fix.revert, captures);
                break;
            case p_diagnostics:
                parse_diagnostics(c, fix, scope);
                break;
            default:
                break;
        }
    }
    if (!seen[p_title]) {
        error(off(el), "a fix needs a <title>");
    } else if (!fix.title.find("") && !fix.title.find("en")) {
        error(off(el),
              "a fix needs a <title> without xml:lang (or with xml:lang=\"en\"): it is "
              "the fallback");
    }
    if (!steps_el) error(off(el), "a fix needs at least one step in <steps>");
}

PackLoadResult Loader::run() {
    const auto finish = [&]() {
        PackLoadResult result;
        std::stable_sort(problems_.begin(), problems_.end(),
                         [](const PackProblem& a, const PackProblem& b) {
                             return std::tie(a.where.line, a.where.column) <
                                    std::tie(b.where.line, b.where.column);
                         });
        result.problems = std::move(problems_);
        if (errors_ == 0) result.pack = std::move(pack_);
        return result;
    };

    if (text_.size() > limits_.max_bytes) {
        error(npos, "the file is " + std::to_string(text_.size()) + " bytes; the limit is " +
                        std::to_string(limits_.max_bytes) + " bytes");
        return finish();
    }
    if (text_.empty()) {
        error(npos, "the file is empty");
        return finish();
    }
    const char* what = nullptr;
    newlines_.reserve(text_.size() / 32 + 16);
    if (const std::size_t bad = find_bad_byte(text_, what, newlines_); bad != npos) {
        error(bad, what);
        return finish();
    }

    char* parse_buffer = inplace_;
    if (!parse_buffer) {
        buffer_.assign(text_.data(), text_.size());
        parse_buffer = buffer_.data();
    }
    base_ = parse_buffer;
    pugi::xml_document doc;
    constexpr unsigned flags = pugi::parse_default | pugi::parse_doctype | pugi::parse_fragment |
                               pugi::parse_declaration | pugi::parse_ws_pcdata_single;
    const pugi::xml_parse_result parsed =
        doc.load_buffer_inplace(parse_buffer, text_.size(), flags, pugi::encoding_utf8);
    if (!parsed) {
        error(static_cast<std::size_t>(std::max<std::ptrdiff_t>(parsed.offset, 0)),
              std::string("malformed XML: ") + parsed.description());
        return finish();
    }
    pugi::xml_node root;
    check_top_level(doc, root);
    if (!root) {
        error(npos, "no root element: a fix pack is a <fixpack xmlns=\"" + std::string(kNamespace) +
                        "\"> element");
        return finish();
    }
    pack_.file = file_;
    pack_.dir = std::move(dir_);
    parse_pack(root);
    // The walk above never descends into an element it does not know, and the deepest valid
    // structure (fixpack/fix/steps/run/arg) is 5 levels. So a document nested deeper than the
    // limit has already produced an error; only then (or with a limit below 5) is the whole
    // tree walked to name the first element that is too deep.
    if (errors_ > 0 || limits_.max_depth < kDeepestValidNesting) check_depth(root);
    return finish();
}

// Runs a Loader; see its constructor for `inplace` and `reread_path`.
PackLoadResult load_pack(std::string_view xml, char* inplace, const std::string* reread_path,
                         const std::string& file, std::string dir, const PackLoadLimits& limits,
                         Scratch& scratch) {
    try {
        Loader loader(xml, inplace, reread_path, file, std::move(dir), limits, scratch);
        return loader.run();
    } catch (const std::bad_alloc&) {
        PackLoadResult result;
        result.problems.push_back(
            {PackProblem::Severity::error, SourceLocation{file}, "out of memory loading the pack"});
        return result;
    } catch (const std::exception& e) {
        // Not expected: every bad input is a problem, not an exception. Kept as a last line so
        // the documented contract (never throws for bad input) holds.
        PackLoadResult result;
        result.problems.push_back({PackProblem::Severity::error, SourceLocation{file},
                                   std::string("internal error loading the pack: ") + e.what()});
        return result;
    }
}

}  // namespace

PackLoadResult load_pack_from_string(std::string_view xml, const std::string& file,
                                     const std::string& dir, const PackLoadLimits& limits) {
    const ScratchLease scratch;
    return load_pack(xml, nullptr, nullptr, file, dir, limits, *scratch);
}

PackLoadResult load_pack_file(const std::string& path, const PackLoadLimits& limits) {
    const auto fail = [&](std::string message) {
        PackLoadResult result;
        result.problems.push_back(
            {PackProblem::Severity::error, SourceLocation{path}, std::move(message)});
        return result;
    };
    const ScratchLease scratch;
    ByteBuffer& text = (*scratch).file;
    if (std::string error = read_file_bounded(path, limits.max_bytes, text); !error.empty())
        return fail(std::move(error));
    if (text.size() > limits.max_bytes)
        return fail("the file is larger than the limit of " + std::to_string(limits.max_bytes) +
                    " bytes");
    std::string dir;
    const auto slash = path.find_last_of('/');
    if (slash != std::string::npos)
        dir = path.substr(0, slash == 0 ? 1 : slash);
    else
        dir = ".";
    // Parsed where it was read: no copy.
    return load_pack({text.data(), text.size()}, text.data(), &path, path, std::move(dir), limits,
                     *scratch);
}

}  // namespace fixtray
