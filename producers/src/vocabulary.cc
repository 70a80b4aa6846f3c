#include "vocabulary.h"

namespace smeledger::producers::internal {

// Weights: a rough share of the province's institutions and enterprises (Hefei largest).
const CityInfo kCities[kCityCount] = {
    {"340100", "city:340100", "HF", "合肥", 200},   {"340200", "city:340200", "WH", "芜湖", 90},
    {"340300", "city:340300", "BB", "蚌埠", 60},    {"340400", "city:340400", "HN", "淮南", 50},
    {"340500", "city:340500", "MAS", "马鞍山", 55}, {"340600", "city:340600", "HB", "淮北", 40},
    {"340700", "city:340700", "TL", "铜陵", 35},    {"340800", "city:340800", "AQ", "安庆", 60},
    {"341000", "city:341000", "HS", "黄山", 35},    {"341100", "city:341100", "CZ", "滁州", 55},
    {"341200", "city:341200", "FY", "阜阳", 70},    {"341300", "city:341300", "SZ", "宿州", 50},
    {"341500", "city:341500", "LA", "六安", 55},    {"341600", "city:341600", "BZ", "亳州", 45},
    {"341700", "city:341700", "CHZ", "池州", 30},   {"341800", "city:341800", "XC", "宣城", 70},
};

const std::string_view kEventTypeNames[kEventTypeCount] = {
    "institution.admitted",   "institution.removed",
    "enterprise.registered",  "activity.published",
    "activity.cancelled",     "activity.signup",
    "activity.checkin",       "activity.rated",
    "demand.published",       "demand.accepted",
    "demand.completed",       "demand.rated",
    "service.delivered",      "report.uploaded",
    "collaboration.recorded", "demand_collection.completed",
    "product.published",      "product.withdrawn",
    "media.reported",         "title.awarded",
    "complaint.filed",        "complaint.resolved",
    "assessment.scored",      "event.retracted",
    "notice.approved",
};

const std::string_view kReasonNames[kReasonCount] = {
    "malformed_json",     "not_object",   "duplicate_key",  "missing_field",    "invalid_value",
    "conflict",           "unknown_type", "unknown_field",  "unexpected_field", "actor_not_allowed",
    "actor_not_admitted", "not_found",    "already_exists", "has_dependents",   "precondition",
};

const std::string_view kReportKindNames[5] = {"attendee_list", "photos", "summary", "monthly",
                                              "annual"};
const std::string_view kCollaborationKinds[6] = {"expert_collection",  "public_welfare",
                                                 "demand_survey",      "matchmaking",
                                                 "featured_promotion", "city_organised"};
const std::string_view kAssessmentItems[3] = {"infrastructure", "service_norms",
                                              "internet_platform"};
const std::string_view kMediaLevels[3] = {"city", "province", "national"};

namespace {

constexpr std::string_view kActivityTopicList[] = {
    "中小企业融资对接会",         "数字化转型专题培训",
    "知识产权保护讲座",           "专精特新企业培育沙龙",
    "减税降费政策解读会",         "高校毕业生专场招聘会",
    "工业设计创新交流会",         "质量管理体系内审员培训",
    "企业法律风险防范讲座",       "跨境电商实务培训",
    "安全生产标准化培训",         "Lean \"5S\" workshop",
    "Financing clinic",           "产销/供需对接会",
    "管理咨询诊断进企业",         "科技成果转化路演",
    "企业上市辅导沙龙",           "智能制造现场观摩会",
    "节能降耗技术推广会",         "品牌建设与网络营销培训",
    "小微企业贷款政策宣讲",       "出口退税实务讲座",
    "企业上云上平台对接会",       "中小企业经营管理领军人才研修班",
    "劳动用工合规\\人事管理培训", "Export compliance briefing",
    "新三板挂牌政策说明会",       "创新创业大赛路演",
};

constexpr std::string_view kDemandTopicList[] = {
    "寻求流动资金贷款对接",
    "寻求ERP系统实施服务",
    "寻求专利申请代理",
    "寻求产品检测认证服务",
    "寻求标准厂房租赁信息",
    "寻求熟练技术工人招聘渠道",
    "寻求出口退税咨询",
    "寻求工业设计外包",
    "寻求ISO 9001认证辅导",
    "寻求常年法律顾问",
    "寻求财务代理记账服务",
    "寻求智能化改造方案",
    "Looking for a CNC machining partner",
    "寻求高新技术企业认定辅导",
    "寻求商标注册/维权服务",
};

constexpr std::string_view kProductTopicList[] = {
    "小微企业融资顾问服务包", "知识产权托管服务",     "企业上云诊断服务",
    "代理记账（低收费）",     "管理体系认证辅导套餐", "中小企业法律体检",
    "人才招聘托管服务",       "工业设计快速打样",     "检验检测绿色通道",
    "数字化转型评估",         "政策申报代办服务",     "Cross-border e-commerce starter kit",
    "安全生产隐患排查服务",   "企业培训公益课堂",
};

constexpr std::string_view kInstitutionBrandList[] = {
    "汇智", "中科", "皖创", "众诚", "鼎信", "华盛", "启航", "恒通", "润泽", "金桥",
    "科讯", "徽商", "博远", "天瑞", "同创", "聚力", "新锐", "长江", "江淮", "智谷",
};

constexpr std::string_view kInstitutionKindList[] = {
    "中小企业融资服务中心", "科技创新服务有限公司", "知识产权代理事务所",
    "管理咨询有限公司",     "人力资源服务有限公司", "检验检测中心",
    "工业设计研究院",       "会计师事务所",         "律师事务所",
    "电子商务服务中心",     "信息技术服务有限公司", "创业服务中心",
    "企业服务协会",         "技术转移中心",         "培训学校",
};

constexpr std::string_view kCancelReasonList[] = {
    "因天气原因取消",   "场地调整，活动取消", "报名人数不足",
    "主讲专家行程冲突", "按疫情防控要求取消", "与省级活动时间冲突，择期举办",
};

constexpr std::string_view kRemovalReasonList[] = {
    "年度评价不合格",
    "主动申请退出服务网络",
    "违反服务规范，经核实情况属实",
    "连续两个季度未上报服务数据",
    "机构注销",
};

constexpr std::string_view kCampaignList[] = {
    "第一季度融资需求征集", "数字化转型需求调研",   "专精特新企业培育需求征集",
    "人才需求征集",         "技术难题征集",         "Annual needs survey",
    "知识产权服务需求征集", "外贸企业纾困需求征集",
};

constexpr std::string_view kCityOutletList[] = {"合肥晚报", "芜湖日报", "安庆日报",
                                                "阜阳日报", "宣城日报", "滁州广播电视台"};
constexpr std::string_view kProvinceOutletList[] = {"安徽日报", "中安在线", "安徽广播电视台",
                                                    "江淮时报"};
constexpr std::string_view kNationalOutletList[] = {"人民网", "新华网", "中国工业报",
                                                    "中国中小企业网", "Xinhua"};

constexpr std::string_view kMediaHeadlineList[] = {
    "“一站式”服务助力中小企业纾困发展", "服务平台网络打通企业融资“最后一公里”",
    "专家进企业，问诊把脉促转型",       "中小企业公共服务平台年度服务企业超万家",
    "政策直达快享，小微企业减负增效",   "SME service network helps exporters",
};

constexpr TitleInfo kTitleList[] = {
    {"国家中小企业公共服务示范平台", 2, true},
    {"国家小型微型企业创业创新示范基地", 2, false},
    {"安徽省中小企业公共服务示范平台", 1, true},
    {"安徽省优秀中小企业服务机构", 1, false},
    {"省级中小企业服务质量标杆", 1, false},
    {"市级中小企业公共服务示范平台", 0, true},
    {"市级优秀服务机构", 0, false},
};

constexpr std::string_view kRatingRetractions[] = {"评分录入错误，已与企业核实",
                                                   "企业申请更正评价"};
constexpr std::string_view kSignupRetractions[] = {"企业取消报名", "重复报名，撤回"};
constexpr std::string_view kGenericRetractions[] = {"录入错误", "重复录入", "信息有误，予以更正",
                                                    "entered by mistake"};

}  // namespace

const std::span<const std::string_view> kActivityTopics(kActivityTopicList);
const std::span<const std::string_view> kDemandTopics(kDemandTopicList);
const std::span<const std::string_view> kProductTopics(kProductTopicList);
const std::span<const std::string_view> kInstitutionBrands(kInstitutionBrandList);
const std::span<const std::string_view> kInstitutionKinds(kInstitutionKindList);
const std::span<const std::string_view> kCancelReasons(kCancelReasonList);
const std::span<const std::string_view> kRemovalReasons(kRemovalReasonList);
const std::span<const std::string_view> kCampaigns(kCampaignList);
const std::span<const std::string_view> kOutlets[3] = {
    std::span<const std::string_view>(kCityOutletList),
    std::span<const std::string_view>(kProvinceOutletList),
    std::span<const std::string_view>(kNationalOutletList)};
const std::span<const std::string_view> kMediaHeadlines(kMediaHeadlineList);
const std::span<const TitleInfo> kTitles(kTitleList);

std::string_view RetractionReason(EventType target_type, uint64_t draw) {
  switch (target_type) {
    case kActivityRated:
      return kRatingRetractions[draw % std::size(kRatingRetractions)];
    case kActivitySignup:
      return kSignupRetractions[draw % std::size(kSignupRetractions)];
    case kActivityCancelled:
      return "活动恢复举办，撤销取消";
    case kActivityPublished:
      return "活动信息发布有误，重新发布";
    case kInstitutionRemoved:
      return "移出决定有误，恢复入驻";
    case kInstitutionAdmitted:
      return "重复入驻登记";
    case kDemandAccepted:
      return "转由其他机构接单";
    case kReportUploaded:
      return "上传文件有误，重新上传";
    case kProductWithdrawn:
      return "产品恢复上架";
    case kComplaintResolved:
      return "复核后改变处理结论";
    case kEnterpriseRegistered:
      return "推荐来源登记错误";
    default:
      return kGenericRetractions[draw % std::size(kGenericRetractions)];
  }
}

}  // namespace smeledger::producers::internal
