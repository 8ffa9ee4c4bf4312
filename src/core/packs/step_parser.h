// Reading the steps of a fix: <check>, <steps>, <verify> and <revert> and the step elements in
// them (run, shell, delete-files, end-process, http-probe, dns-resolve, tcp-connect, exists,
// wait). Internal to the pack loader.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <pugixml.hpp>

#include "packs/fix_pack.h"
#include "packs/pack_reader.h"

namespace fixtray::pack_reading {

// Reads the phase element `el` into `phase`, at most `max_steps` steps, reporting problems to
// `doc`. `params` are the pack's params; `captures` holds the lists captured by the earlier
// steps of the fix and gains those of this phase.
void parse_phase(PackDocument& doc, pugi::xml_node el, const std::vector<Param>& params,
                 std::size_t max_steps, std::vector<Step>& phase,
                 std::vector<std::string>& captures);

}  // namespace fixtray::pack_reading
