#include "packs/variables.h"

namespace fixtray {

void Variables::bind_item(const std::string& name, const ListItem& item) {
    scalars_[name] = item.value;
    for (const auto& [field, value] : item.fields) scalars_[name + "." + field] = value;
}

bool Variables::has(const std::string& name) const {
    return scalars_.count(name) != 0 || lists_.count(name) != 0;
}

const std::vector<ListItem>* Variables::list(const std::string& name) const {
    auto it = lists_.find(name);
    return it == lists_.end() ? nullptr : &it->second;
}

std::vector<std::string> Variables::list_values(const std::string& path) const {
    std::vector<std::string> values;
    const auto dot = path.find('.');
    const std::string name = path.substr(0, dot);
    const auto* items = list(name);
    if (!items) return values;
    for (const auto& item : *items) {
        if (dot == std::string::npos) {
            values.push_back(item.value);
        } else {
            auto it = item.fields.find(path.substr(dot + 1));
            if (it != item.fields.end()) values.push_back(it->second);
        }
    }
    return values;
}

Result<std::string> Variables::expand(std::string_view text, bool keep_unknown) const {
    std::string expanded;
    std::string* out = &expanded;
    out->reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c != '$' || i + 1 >= text.size()) {
            out->push_back(c);
            continue;
        }
        if (text[i + 1] == '$') {
            out->push_back('$');
            ++i;
            continue;
        }
        if (text[i + 1] != '{') {
            out->push_back(c);
            continue;
        }
        const auto close = text.find('}', i + 2);
        if (close == std::string_view::npos)
            return Status::error("unterminated ${ in \"" + std::string(text) + "\"");
        const std::string name(text.substr(i + 2, close - i - 2));
        auto it = scalars_.find(name);
        if (it == scalars_.end()) {
            if (keep_unknown) {
                out->append(text.substr(i, close - i + 1));
                i = close;
                continue;
            }
            return Status::error(lists_.count(name)
                                     ? "${" + name + "} is a list; use it with foreach"
                                     : "no value for ${" + name + "}");
        }
        out->append(it->second);
        i = close;
    }
    return expanded;
}

}  // namespace fixtray
