"""The casework forms: marshmallow schemas that turn JSON into the typed commands of the domain.

Every field is labelled in Chinese, so a 422 names it. A submission's schema builds its submission command; an
action's schema (an :class:`ActionSchema`) builds the command of one action and is found by it
(:func:`schema_for`), which is how the API offers every declared action (:mod:`services.intake.api.cases`).
Sections follow the kinds of case: shared steps, 协商纪要备案, 职责分工协调, 书面反映, 限期纠正,
主要职责配置和调整方案.
"""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate

from services.intake.domain import commands as c
from services.intake.domain import (
    coordination,
    deliberation,
    duty_plan,
    evaluation,
    filing,
    rectification,
    reflection,
)
from services.intake.domain.coordination import (
    ASSIGNED_BY_NAMES,
    BASIS_NAMES,
    MECHANISM_NAMES,
    REJECTION_GROUND_NAMES,
    REPLY_NAMES,
    SERVICE_METHOD_NAMES,
    SUSPENSION_GROUND_NAMES,
    AssignedBy,
    BasisType,
    Mechanism,
    RejectionGround,
    ReplyKind,
    ServiceMethod,
    SuspensionGround,
)
from services.intake.domain.duty_plan import (
    ADJUSTMENT_CAUSE_NAMES,
    COMMITTEE_OUTCOME_NAMES,
    DUTY_BASIS_NAMES,
    PLAN_TYPE_NAMES,
    AdjustmentCause,
    CommitteeOutcome,
    DutyBasisType,
    PlanType,
)
from services.intake.domain.procedure import SOURCE_NAMES
from services.intake.domain.rectification import RECTIFICATION_GROUND_NAMES, RectificationGround
from shared.measures import RULES
from shared.schemas import CommandSchema, choice, codes
from shared.schemas import text as _text  # a form may have a field named "text"

#: the schema of each action's command
_BY_COMMAND: dict[type[c.CaseCommand], type[ActionSchema]] = {}


class ActionSchema(CommandSchema):
    """The form of one action: it builds ``builds`` and is what the API asks for on the action's route."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.builds is not None:
            _BY_COMMAND[cls.builds] = cls


def schema_for(command: type[c.CaseCommand]) -> type[ActionSchema]:
    """The form that builds ``command``; a declared action without one fails when the API is built."""
    try:
        return _BY_COMMAND[command]
    except KeyError:
        raise RuntimeError(f"no schema builds {command.__name__}") from None


# --- shared steps: withdrawal, supplements, issuance ---


class WithdrawSchema(ActionSchema):
    builds = c.Withdraw
    reason = _text("理由", required=False)


class SupplementRequestSchema(ActionSchema):
    builds = c.RequestSupplement
    reason = _text("补正理由")
    items = fields.List(fields.String(), load_default=list, metadata={"label": "需补正的材料"})


class SupplementSchema(ActionSchema):
    builds = c.Supplement
    note = _text("补正说明", required=False)
    attachment_ids = codes("补正材料", min_items=1)


class IssueSchema(ActionSchema):
    builds = c.Issue
    document_number = _text("文号", max_length=100)
    issued_on = fields.Date(required=True, metadata={"label": "发文日期"})
    note = _text("说明", required=False)
    attachment_ids = codes("正式文件", required=False)


# --- 协商纪要备案 (第15条) ---


class SealSchema(CommandSchema):
    builds = filing.Seal
    department = _text("加盖印章的部门", max_length=40)
    party_group = choice("党组（党委）", ["党组", "党委"])
    sealed_on = fields.Date(required=True, metadata={"label": "盖章日期"})


class FilingSchema(CommandSchema):
    builds = filing.SubmitFiling
    title = _text("标题", max_length=200)
    matter = _text("协商事项")
    host_department = _text("主办部门", max_length=40)
    lead_departments = codes("牵头部门（按排序）", required=False)
    assisting_departments = codes("协办部门", min_items=1)
    agreed_points = _text("协商一致的意见")
    minutes_attachment_id = _text("协商纪要文件", max_length=60)
    seals = fields.List(fields.Nested(SealSchema), required=True, metadata={"label": "党组（党委）印章"})
    attachment_ids = codes("其他附件", required=False)


class FilingOpinionSchema(ActionSchema):
    opinion = _text("备案意见", required=False)
    text = _text("拟发文稿", required=False)
    summary = _text("摘要", required=False, max_length=500)


class FileSchema(FilingOpinionSchema):
    builds = filing.File


class ReturnFilingSchema(FilingOpinionSchema):
    builds = filing.ReturnFiling


class RequestDocumentSchema(FilingOpinionSchema):
    builds = filing.RequestDocument


# --- 职责分工协调 (第16–26条) ---


class LegalBasisSchema(CommandSchema):
    builds = coordination.LegalBasis
    type = choice("依据类型", BasisType, names=BASIS_NAMES)
    name = _text("依据名称", max_length=200)
    provision = _text("具体条款", required=False, max_length=500)
    issued_by = _text("发文部门（部门的“三定”规定或文件时选择）", required=False, max_length=40)


class CollectiveDecisionSchema(CommandSchema):
    builds = coordination.CollectiveDecision
    meeting_date = fields.Date(required=True, metadata={"label": "党组（党委）会议日期"})
    minutes_summary = _text("集体研究情况")
    minutes_attachment_id = _text("会议纪要文件", required=False, max_length=60)


class ApplicationSchema(CommandSchema):
    builds = coordination.ApplyForCoordination
    title = _text("标题", max_length=200)
    host_department = _text("主办部门", max_length=40)
    lead_departments = codes("牵头部门（按排序）", required=False)
    other_parties = codes("分歧涉及的其他部门", min_items=1)
    disputed_items = _text("分歧事项")
    consultation_failed = fields.Boolean(required=True, metadata={"label": "是否已协商未达成一致"})
    consultation_history = _text("协商情况")
    collective_decision = fields.Nested(
        CollectiveDecisionSchema, required=True, metadata={"label": "党组集体研究"}
    )
    leaning_opinion = _text("倾向性意见")
    reasons = _text("申请协调的理由")
    legal_bases = fields.List(
        fields.Nested(LegalBasisSchema), required=True, metadata={"label": "政策法规依据"}
    )
    other_materials = _text("其他材料说明", required=False)
    attachment_ids = codes("附件", required=False)
    urgent = fields.Boolean(load_default=False, metadata={"label": "是否紧急（第二十二条第二款）"})
    interim_measures = _text("已采取的临时处置措施", required=False)
    interim_told = codes("已告知的对象", required=False)


class AssignmentSchema(CommandSchema):
    builds = coordination.Assignment
    assigned_by = choice("交办单位", AssignedBy, names=ASSIGNED_BY_NAMES)
    assigned_on = fields.Date(required=True, metadata={"label": "交办日期"})
    instructions = _text("交办要求")
    document = _text("交办文件或批示", required=False, max_length=200)
    required_by = fields.Date(load_default=None, metadata={"label": "要求办结日期"})


class OfficeCaseSchema(CommandSchema):
    builds = coordination.OpenCoordination
    title = _text("标题", max_length=200)
    source = choice(
        "来源（第二十六条）",
        [
            "committee_assigned",
            "evaluation",
            "new_business",
            "interpretation",
            "public_reflection",
            "deliberation_body",
        ],
        names=SOURCE_NAMES,
    )
    description = _text("事项说明")
    parties = codes("相关部门", min_items=1)
    attachment_ids = codes("附件", required=False)
    assignment = fields.Nested(
        AssignmentSchema,
        load_default=None,
        metadata={"label": "交办信息（市委、市政府和市委编委交办的事项填写，第二十六条第一款）"},
    )


class InterpretSchema(ActionSchema):
    builds = coordination.Interpret
    summary = _text("解释要点", max_length=500)
    text = _text("书面解释全文")


class DesignationSchema(ActionSchema):
    builds = coordination.DesignateDepartment
    department = _text("指定的管理部门", max_length=40)
    duties = _text("承担的管理职责")
    reasons = _text("指定理由")
    assisting_departments = codes("协助部门", required=False)


class AcceptSchema(ActionSchema):
    builds = coordination.Accept
    note = _text("受理说明", required=False)


class RejectSchema(ActionSchema):
    builds = coordination.Reject
    ground = choice("不予受理情形（第十七条）", RejectionGround, names=REJECTION_GROUND_NAMES)
    reasons = _text("不予受理理由")
    mechanism = choice("应采用的解决机制", Mechanism, names=MECHANISM_NAMES, required=False)


REPLY = RULES["written_reply"]


class SolicitSchema(ActionSchema):
    builds = coordination.Solicit
    departments = codes("征求意见的部门", min_items=1)
    question = _text("征求意见的事项")
    reply_working_days = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=1, max=250),
        metadata={
            "label": "答复期限（工作日）",
            "description": f"答复期限（工作日），一般为{REPLY.period}（{REPLY.article_label}）",
        },
    )
    reply_period_reason = _text(f"答复期限超出{REPLY.period}的理由", required=False, max_length=500)


class ReplySchema(ActionSchema):
    builds = coordination.Reply
    solicitation_id = _text("征求意见编号", max_length=60)
    kind = choice(
        "答复",
        ReplyKind,
        names=REPLY_NAMES,
    )
    opinion = _text("具体意见", required=False)
    reason = _text("未能按期答复的原因", required=False)


class ServiceSchema(ActionSchema):
    builds = coordination.RecordService
    solicitation_id = _text("征求意见编号", max_length=60)
    served_on = fields.Date(required=True, metadata={"label": "送达日期"})
    method = choice(
        "送达方式", ServiceMethod, names=SERVICE_METHOD_NAMES, required=False, load_default="written"
    )
    note = _text("送达情况说明（如签收人、文号）", required=False, max_length=500)


class MeetingSchema(ActionSchema):
    builds = coordination.ScheduleMeeting
    starts_at = fields.AwareDateTime(required=True, metadata={"label": "开会时间"})
    location = _text("地点", max_length=200)
    attendees = codes("参会部门", min_items=1)
    agenda = _text("议题")


class MeetingMinutesSchema(ActionSchema):
    builds = coordination.RecordMeeting
    meeting_id = _text("会议编号", max_length=60)
    minutes = _text("会议纪要")
    minutes_attachment_id = _text("会议纪要文件", required=False, max_length=60)


class InterimSchema(ActionSchema):
    builds = coordination.ReportInterimMeasures
    measures = _text("临时处置措施")
    told = codes("已告知的对象", min_items=1)


class AgreementSchema(ActionSchema):
    builds = coordination.ReachAgreement
    summary = _text("一致意见")
    disagreements_resolved = _text("不同意见如何解决（有部门提出不同意见的必填，第二十一条）", required=False)


class DraftSchema(ActionSchema):
    summary = _text("摘要", max_length=500)
    text = _text("协调意见（认定建议）全文")
    changes_sanding = fields.Boolean(load_default=False, metadata={"label": "是否改变“三定”规定"})
    special_explanation = _text("专门说明（第二十三条）", required=False)


class OpinionSchema(DraftSchema):
    builds = coordination.SubmitOpinion


class DeterminationSubmissionSchema(DraftSchema):
    builds = coordination.SubmitDetermination


class DeterminationSchema(ActionSchema):
    builds = coordination.Determine
    reasons = _text("认定理由")
    major = fields.Boolean(load_default=False, metadata={"label": "是否涉及重大职能配置及调整"})


class HearingSchema(ActionSchema):
    builds = coordination.RecordHearing
    held_on = fields.Date(required=True, metadata={"label": "论证会日期"})
    experts = fields.List(fields.String(), load_default=list, metadata={"label": "专家和管理服务对象"})
    summary = _text("论证意见")


class OrgReviewSchema(ActionSchema):
    builds = coordination.CompleteOrgReview
    opinion = _text("审议意见")


class CommitteeDecisionSchema(ActionSchema):
    builds = coordination.RecordCommitteeDecision
    decided_on = fields.Date(required=True, metadata={"label": "编委研究日期"})
    decision = _text("编委决定")


class ExtensionSchema(ActionSchema):
    builds = coordination.Extend
    reason = _text("理由")


class SuspendSchema(ActionSchema):
    builds = coordination.Suspend
    ground = choice("中止情形（第二十五条）", SuspensionGround, names=SUSPENSION_GROUND_NAMES)
    reason = _text("中止理由")


class ResumeSchema(ActionSchema):
    builds = coordination.Resume
    reason = _text("理由", required=False)


class TerminationSchema(ActionSchema):
    builds = coordination.Terminate
    reason = _text("理由")


# --- 书面反映 (第26条第4款) ---


class SubmitterSchema(CommandSchema):
    builds = reflection.Submitter
    name = _text("反映人", max_length=100)
    kind = choice("反映人类型", ["enterprise", "group", "citizen"])
    contact = _text("联系方式", max_length=200)


class ReflectionSchema(CommandSchema):
    builds = reflection.RecordReflection
    title = _text("标题", max_length=200)
    submitter = fields.Nested(SubmitterSchema, required=True, metadata={"label": "反映人"})
    received_on = fields.Date(required=True, metadata={"label": "收到日期"})
    content = _text("反映内容")
    attachment_ids = codes("附件", required=False)


class StudySchema(ActionSchema):
    builds = reflection.Study
    note = _text("说明", required=False)


class ReferSchema(ActionSchema):
    builds = reflection.ReferToCoordination
    coordination_case_id = _text("协调事项编号", max_length=40)
    note = _text("说明", required=False)


class ResultSchema(ActionSchema):
    builds = reflection.TellResult
    result = _text("研究或协调结果")
    told_on = fields.Date(required=True, metadata={"label": "告知日期"})
    method = choice("告知方式", ["letter", "phone", "email", "in_person", "online"])


# --- 限期纠正 (第37条) ---


class RectificationSchema(CommandSchema):
    builds = rectification.OrderRectification
    title = _text("标题", max_length=200)
    department = _text("责令纠正的部门", max_length=40)
    ground = choice("情形（第三十七条）", RectificationGround, names=RECTIFICATION_GROUND_NAMES)
    facts = _text("发现的问题")
    basis = _text("依据（如“三定”规定条款、协调意见文号）", required=False)
    coordination_case_id = _text("未执行的协调事项编号", required=False, max_length=40)
    devolution_id = _text("所涉职责下放事项编号（第三十七条第四项）", required=False, max_length=40)
    evaluation_case_id = _text("所依据的“三定”执行情况评估编号（第二十六条）", required=False, max_length=40)
    due_date = fields.Date(required=True, metadata={"label": "纠正期限"})
    attachment_ids = codes("附件", required=False)


class CorrectionReportSchema(ActionSchema):
    builds = rectification.ReportCorrection
    report = _text("纠正情况")
    attachment_ids = codes("附件", required=False)


class ConfirmCorrectionSchema(ActionSchema):
    builds = rectification.ConfirmCorrection
    note = _text("说明", required=False)


class RejectCorrectionSchema(ActionSchema):
    builds = rectification.RejectCorrection
    reason = _text("理由")


class ReferToSupervisionSchema(ActionSchema):
    builds = rectification.ReferToSupervision
    reason = _text("理由")


# --- 主要职责配置和调整方案 (第8–11条) ---


class DutyBasisSchema(CommandSchema):
    builds = duty_plan.DutyBasis
    type = choice("依据类型（第六条）", DutyBasisType, names=DUTY_BASIS_NAMES)
    name = _text("依据名称", max_length=200)
    provision = _text("具体条款", required=False, max_length=500)
    issued_by = _text("发文部门（部门文件须填写）", required=False, max_length=40)


class MainDutySchema(CommandSchema):
    builds = duty_plan.MainDuty
    text = _text("主要职责", max_length=2000)
    bases = fields.List(fields.Nested(DutyBasisSchema), required=True, metadata={"label": "依据"})


class InternalBodySchema(CommandSchema):
    builds = duty_plan.InternalBody
    name = _text("内设机构名称", max_length=100)
    duties = _text("内设机构具体职责")
    main_duties = fields.List(
        fields.Integer(strict=True, validate=validate.Range(min=1, max=200)),
        required=True,
        validate=validate.Length(min=1),
        metadata={"label": "承担的主要职责（序号）"},
    )


class SharedMatterSchema(CommandSchema):
    builds = duty_plan.SharedMatter
    matter = _text("需多个部门管理的事项", max_length=500)
    departments = codes("涉及的部门", min_items=2)
    lead_department = _text("牵头部门", required=False, max_length=40)
    host_department = _text("主办部门", required=False, max_length=40)
    assisting_departments = codes("协办部门", required=False)
    division = _text("各自的职责分工", required=False)


class DutyPlanSchema(CommandSchema):
    builds = duty_plan.SubmitDutyPlan
    title = _text("标题", max_length=200)
    plan_type = choice("方案类型", PlanType, names=PLAN_TYPE_NAMES)
    department = _text("报送部门", max_length=40)
    function_transformation = _text("职能转变")
    main_duties = fields.List(
        fields.Nested(MainDutySchema), required=True, metadata={"label": "部门主要职责"}
    )
    internal_bodies = fields.List(
        fields.Nested(InternalBodySchema), required=True, metadata={"label": "内设机构职责（第九条）"}
    )
    shared_matters = fields.List(
        fields.Nested(SharedMatterSchema),
        load_default=list,
        metadata={"label": "需多个部门管理的事项（第七条）"},
    )
    supervising_departments = codes("归口领导、管理部门", required=False)
    related_departments = codes("存在职责分工和业务联系的部门", required=False)
    adjustment_cause = choice(
        "调整原因（第十条）", AdjustmentCause, names=ADJUSTMENT_CAUSE_NAMES, required=False
    )
    adjustment_reason = _text("调整理由", required=False)
    higher_reference = _text("参照上级业务部门职责配置的情况（第八条）", required=False)
    attachment_ids = codes("附件", required=False)


class RevisedDutyPlanSchema(DutyPlanSchema, ActionSchema):
    builds = duty_plan.ReviseDutyPlan


class InitialReviewSchema(ActionSchema):
    function_transformation = _text("职能转变的审核意见")
    main_duties = _text("主要职责内容和依据的审核意见")
    internal_bodies = _text("内设机构职责内容和依据的审核意见")
    flags_note = _text("对第七条提示事项的处理意见", required=False)


class PassInitialReviewSchema(InitialReviewSchema):
    builds = duty_plan.PassInitialReview


class ReturnDutyPlanSchema(InitialReviewSchema):
    builds = duty_plan.ReturnDutyPlan
    reasons = _text("退回修改的理由")


class FeedbackStudySchema(ActionSchema):
    builds = duty_plan.StudyFeedback
    summary = _text("反馈意见汇总分析")
    adopted = _text("吸收的合理建议")
    not_adopted = _text("未吸收的意见及理由", required=False)
    completed_draft = _text("完善后的方案说明")
    attachment_ids = codes("完善后的方案文件", required=False)


class CoordinateDisagreementsSchema(ActionSchema):
    builds = duty_plan.CoordinateDisagreements
    points = _text("需要协调的分歧")


class UnresolvedPointSchema(CommandSchema):
    builds = duty_plan.UnresolvedPoint
    point = _text("未取得一致意见的问题", max_length=1000)
    departments = codes("涉及的部门", min_items=1)
    positions = _text("各方意见")
    office_view = _text("编办倾向性意见", required=False)


class SettlementSchema(ActionSchema):
    builds = duty_plan.SettleDisagreements
    agreed = fields.Boolean(required=True, metadata={"label": "是否取得一致"})
    summary = _text("协调情况")
    unresolved_points = fields.List(
        fields.Nested(UnresolvedPointSchema),
        load_default=list,
        metadata={"label": "经协调未取得一致意见的问题"},
    )


class ReviewOpinionSchema(DraftSchema):
    builds = duty_plan.SubmitReviewOpinion
    text = _text("正式审核意见全文")


class PlanDecisionSchema(ActionSchema):
    builds = duty_plan.RecordPlanDecision
    decided_on = fields.Date(required=True, metadata={"label": "市委编委研究日期"})
    outcome = choice("研究结果", CommitteeOutcome, names=COMMITTEE_OUTCOME_NAMES)
    decision = _text("研究意见")
    document_number = _text("文号", required=False, max_length=100)


# --- 议事协调机构成员单位职责分工 (第29条) ---


class MemberTaskSchema(CommandSchema):
    builds = deliberation.MemberTask
    task = _text("细化任务", max_length=1000)
    sanding_provision = _text("衔接的“三定”规定条款", required=False, max_length=500)
    boundary = _text("责任分界点", required=False, max_length=1000)
    shared_with = codes("共同承担的单位", required=False)
    host_department = _text("主办单位", required=False, max_length=40)


class MemberDivisionSchema(CommandSchema):
    builds = deliberation.MemberDivision
    department = _text("成员单位", max_length=40)
    tasks = fields.List(fields.Nested(MemberTaskSchema), required=True, metadata={"label": "任务分工"})


class DivisionSchema(CommandSchema):
    builds = deliberation.FileDivision
    body_name = _text("议事协调机构名称", max_length=200)
    lead_department = _text("牵头单位", max_length=40)
    mechanism = _text("工作协同机制")
    residual_responsibility = _text("牵头单位承担的兜底责任")
    members = fields.List(
        fields.Nested(MemberDivisionSchema), required=True, metadata={"label": "成员单位职责分工"}
    )
    changes = _text("调整内容（调整已抄送的分工时填写）", required=False)
    document = _text("印发文件及文号", required=False, max_length=200)
    attachment_ids = codes("附件", required=False)


class RegisterDivisionSchema(ActionSchema):
    builds = deliberation.RegisterDivision
    note = _text("登记意见", required=False)


class FlagDivisionSchema(ActionSchema):
    builds = deliberation.FlagDivision
    member_department = _text("成员单位", max_length=40)
    sanding_provision = _text("“三定”规定条款", max_length=500)
    conflict = _text("不衔接之处")


class ReferDivisionSchema(ActionSchema):
    builds = deliberation.ReferDivisionToCoordination
    coordination_case_id = _text("协调事项编号", max_length=40)
    note = _text("说明", required=False)


# --- “三定”规定执行情况评估 (第26条第2款) ---


class EvaluationSchema(CommandSchema):
    builds = evaluation.RecordEvaluation
    department = _text("被评估部门", max_length=40)
    period = _text("评估期间", max_length=100)
    findings = _text("评估发现的情况")
    conclusion = choice("评估结论", evaluation.Conclusion, names=evaluation.CONCLUSION_NAMES)
    departments_concerned = codes("需召集协调的相关部门", required=False)
    attachment_ids = codes("附件", required=False)


class ConveneCoordinationSchema(ActionSchema):
    builds = evaluation.ConveneCoordination
    coordination_case_id = _text("协调事项编号", max_length=40)
    note = _text("说明", required=False)


class CloseEvaluationSchema(ActionSchema):
    builds = evaluation.CloseEvaluation
    result = _text("协调结果")
