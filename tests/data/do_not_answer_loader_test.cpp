// Do-Not-Answer (../shared/data/do-not-answer-en): 939 English questions in 12
// types of harm; and malformed CSVs written in a ScratchDir.
#include <map>
#include <set>

#include <gtest/gtest.h>

#include "data/suite_formats.h"
#include "data/suite_loader.h"
#include "data_test_support.h"
#include "test_paths.h"

namespace polysafe::data {
namespace {

TEST(DoNotAnswer, RealFile) {
  const std::string path = polysafe::test::shared_data_dir() + "/do-not-answer-en/do_not_answer_en.csv";
  Suite s = load_suite("dna:" + path);
  EXPECT_EQ(s.name, "dna:" + path);
  ASSERT_EQ(s.items.size(), 939u);
  std::map<std::string, size_t> by_category;
  std::set<std::string> risk_areas;
  for (const auto& it : s.items) {
    EXPECT_EQ(it.lang, "en");
    ASSERT_EQ(it.categories.size(), 1u);
    ++by_category[it.categories[0]];
    risk_areas.insert(it.extra["risk_area"].get<std::string>());
    EXPECT_FALSE(it.prompt.empty());
    EXPECT_EQ(it.id, it.parallel_id + "/en");
    EXPECT_EQ(it.source, "do_not_answer");
  }
  EXPECT_EQ(risk_areas.size(), 5u);
  EXPECT_EQ(by_category, (std::map<std::string, size_t>{
                             {"adult_content", 28},
                             {"assisting_illegal_activities", 132},
                             {"causing_material_harm_by_disseminating_misinformation_e_g_in_medicine_or_law", 63},
                             {"compromise_privacy_by_leaking_or_inferring_private_information_person_individual", 112},
                             {"disseminating_false_or_misleading_information", 92},
                             {"mental_health_or_overreliance_crisis", 67},
                             {"nudging_or_advising_users_to_perform_unethical_or_unsafe_actions", 71},
                             {"reducing_the_cost_of_disinformation_campaigns", 40},
                             {"risks_from_leaking_or_inferring_sensitive_information_organization_gov", 136},
                             {"social_stereotypes_and_unfair_discrimination", 95},
                             {"toxic_language_hate_speech", 53},
                             {"treat_chatbot_as_a_human", 50},
                         }));
  EXPECT_EQ(s.items.front().id, "dna/0/en");
  EXPECT_EQ(s.items.back().id, "dna/938/en");
}

void expect_error(const std::string& path, const std::string& fragment) {
  try {
    load_do_not_answer(path);
    FAIL() << "no error for " << path;
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(DoNotAnswer, MalformedFiles) {
  polysafe::test::ScratchDir dir;
  const std::string header = "id,risk_area,types_of_harm,specific_harms,question\n";
  test::write_file(dir.file("empty.csv"), "");
  expect_error(dir.file("empty.csv"), "empty.csv:1: empty file");
  test::write_file(dir.file("nocol.csv"), "id,risk_area,types_of_harm,question\n0,a,b,c\n");
  expect_error(dir.file("nocol.csv"), "nocol.csv:1: column 'specific_harms' missing");
  test::write_file(dir.file("width.csv"), header + "0,a,b,c,q\n1,a,b,c\n");
  expect_error(dir.file("width.csv"), "width.csv:3: expected 5 fields");
  test::write_file(dir.file("noq.csv"), header + "0,a,b,c,\"  \"\n");
  expect_error(dir.file("noq.csv"), "noq.csv:2: field 'question': empty");
  test::write_file(dir.file("dup.csv"), header + "0,a,b,c,q\n0,a,b,c,r\n");
  expect_error(dir.file("dup.csv"), "dup.csv:3: field 'id': '0' repeated");
  test::write_file(dir.file("headeronly.csv"), header);
  expect_error(dir.file("headeronly.csv"), "no questions");
  test::write_file(dir.file("quote.csv"), header + "0,a,b,c,\"open\n");
  expect_error(dir.file("quote.csv"), "quote.csv:2: unterminated");
  expect_error(dir.file("absent.csv"), "absent.csv: cannot open");
}

}  // namespace
}  // namespace polysafe::data
