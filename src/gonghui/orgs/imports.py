"""Excel import of enterprises and members: column specs and per-row validation.

Rows are keyed by credit code (enterprises) and ID number (members): importing the same file again
updates in place and creates nothing twice.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from gonghui.core import audit, codes, excel
from gonghui.core.models import AuditEntry
from gonghui.core.pii import blind_index
from gonghui.core.scoping import require_perm, scoped
from gonghui.orgs.models import Enterprise, Industry, Member, Region, UnionOrg

# Example rows hold a deliberately invalid credit code / placeholder so that a template imported
# untouched is reported row by row and never creates a fake enterprise.
ENTERPRISE_COLUMNS = [
    excel.ImportColumn("企业名称", "name", help="工商登记的全称", example="阜宁县益林镇华鑫玻璃制品有限公司"),
    excel.ImportColumn(
        "统一社会信用代码", "credit_code", help="18 位，含校验码", example="91320923MA1XXXXXXX"
    ),
    excel.ImportColumn(
        "镇街代码", "town", help="9 位行政区划代码，如 320923115（益林镇）", example="320923115"
    ),
    excel.ImportColumn("地址", "address", required=False, example="益林镇工业园区 8 号"),
    excel.ImportColumn("经度", "lng", required=False, example="119.70"),
    excel.ImportColumn("纬度", "lat", required=False, example="33.80"),
    excel.ImportColumn("行业代码", "industry", help="GB/T 4754-2017 四位小类代码，如 3054", example="3054"),
    excel.ImportColumn("职工人数", "headcount", help="正整数", example="36"),
    excel.ImportColumn(
        "已单独建会", "has_own_union", required=False, help="填“是”或“否”，默认否", example="否"
    ),
]

MEMBER_COLUMNS = [
    excel.ImportColumn("姓名", "name", example="张三"),
    excel.ImportColumn("身份证号", "id_number", help="18 位居民身份证号", example="11010519491231002X"),
    excel.ImportColumn("手机号", "phone", required=False, example="13812345678"),
    excel.ImportColumn("工作单位信用代码", "enterprise", required=False, help="所在企业的统一社会信用代码"),
    excel.ImportColumn("所在工会", "union", help="工会组织全称，须在您的管辖范围内", example="益林镇工会"),
    excel.ImportColumn("入会日期", "joined_on", help="如 2024-05-01", example="2024-05-01"),
    excel.ImportColumn(
        "新就业形态", "new_form_kind", required=False, help="骑手、快递员、司机、其他；不是请留空", example=""
    ),
]

_YES = {"是", "有", "Y", "YES", "TRUE", "1"}
_NO = {"", "否", "无", "N", "NO", "FALSE", "0"}
_NEW_FORM = {"骑手": "rider", "快递员": "courier", "司机": "driver", "其他": "other", "": ""}


def _required(values, columns, errors):
    for col in columns:
        if col.required and not values[col.key]:
            errors[col.header] = "必填，不能为空。"


def _parse_float(text, header, errors):
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        errors[header] = f"“{text}”不是数字。"
        return None


class _Importer:
    """What both importers share: create or update one row's object, validated and audited.

    Subclasses set the model, the columns, and the error shown when the row's natural key
    already belongs to someone outside the importer's jurisdiction.
    """

    model = None
    columns = ()
    title = ""
    out_of_scope = ("", "")  # (column header, message)
    clean_exclude = ()

    def _create(self, obj):
        self._clean(obj)
        obj.save()
        audit.record(self.user, AuditEntry.Action.IMPORT, obj, note="Excel 导入：新建")
        return "created"

    def _update(self, existing, data):
        if not scoped(self.model.objects.filter(pk=existing.pk), self.user).exists():
            raise ValidationError({self.out_of_scope[0]: self.out_of_scope[1]})
        before = audit.snapshot(existing)
        for k, val in data.items():
            setattr(existing, k, val)
        self._clean(existing)
        changes = audit.diff(before, audit.snapshot(existing))
        if not changes:
            return "unchanged"
        existing.save()
        audit.record(self.user, AuditEntry.Action.IMPORT, existing, changes=changes, note="Excel 导入：更新")
        return "updated"

    def _clean(self, obj):
        try:
            obj.full_clean(validate_unique=False, exclude=list(self.clean_exclude))
        except ValidationError as exc:
            raise ValidationError(_by_header(exc, self.columns, self.model)) from exc


class EnterpriseImporter(_Importer):
    model = Enterprise
    columns = ENTERPRISE_COLUMNS
    title = "企业"
    out_of_scope = ("统一社会信用代码", "该企业已由其他工会登记，不在您的管辖范围内。")

    def __init__(self, user):
        self.user = user
        self.seen = {}
        self.towns = {r.code: r for r in Region.objects.filter(level=Region.Level.TOWN)}
        self.town_unions = {}
        for u in UnionOrg.objects.filter(kind=UnionOrg.Kind.TOWN_UNION).order_by("pk"):
            self.town_unions.setdefault(u.region_id, u)
        self.classes = set(Industry.objects.filter(level=Industry.Level.CLASS).values_list("code", flat=True))

    def handle(self, row, v):
        errors = {}
        _required(v, self.columns, errors)
        code = codes.normalize_credit_code(v["credit_code"]) if v["credit_code"] else ""
        if code:
            message = codes.validate_credit_code(code)
            if message:
                errors["统一社会信用代码"] = message
            elif code in self.seen:
                errors["统一社会信用代码"] = f"与第 {self.seen[code]} 行重复。"
            else:
                self.seen[code] = row
        town = self.towns.get(v["town"])
        if v["town"] and town is None:
            errors["镇街代码"] = f"“{v['town']}”不是已登记的镇街代码。"
        if v["industry"] and v["industry"] not in self.classes:
            errors["行业代码"] = f"“{v['industry']}”不是 GB/T 4754-2017 的四位小类代码。"
        headcount = None
        if v["headcount"]:
            try:
                headcount = int(v["headcount"])
                if headcount <= 0 or headcount > 1_000_000:
                    raise ValueError
            except ValueError:
                errors["职工人数"] = f"“{v['headcount']}”不是有效的职工人数（正整数）。"
        own = v["has_own_union"].upper()
        if own not in _YES and own not in _NO:
            errors["已单独建会"] = "请填写“是”或“否”。"
        lng = _parse_float(v["lng"], "经度", errors)
        lat = _parse_float(v["lat"], "纬度", errors)
        if errors:
            raise ValidationError(errors)

        existing = Enterprise.objects.filter(credit_code=code).first()
        data = {
            "name": v["name"],
            "credit_code": code,
            "town": town,
            "address": v["address"],
            "lng": lng,
            "lat": lat,
            "industry_id": v["industry"],
            "headcount": headcount,
            "has_own_union": own in _YES,
        }
        if existing is None:
            union = self.town_unions.get(town.code)
            if union is None:
                raise ValidationError({"镇街代码": f"{town.name}尚未建立镇街工会。"})
            if (
                not union.path.startswith(self.user.org.path if self.user.org else "\0")
                and not self.user.is_superuser
            ):
                raise ValidationError({"镇街代码": f"{town.name}不在您的管辖范围内。"})
            return self._create(Enterprise(union=union, **data))
        return self._update(existing, data)


class MemberImporter(_Importer):
    model = Member
    out_of_scope = ("身份证号", "该职工已是其他工会的会员，不在您的管辖范围内。请先办理会员转接。")
    clean_exclude = ("id_number_hash",)
    columns = MEMBER_COLUMNS
    title = "会员"

    def __init__(self, user):
        self.user = user
        self.seen = {}
        unions = scoped(UnionOrg.objects.all(), user)
        self.unions = {}
        for u in unions.order_by("path"):
            self.unions.setdefault(u.name, u)
        self.enterprises = dict(scoped(Enterprise.objects.all(), user).values_list("credit_code", "pk"))

    def handle(self, row, v):
        errors = {}
        _required(v, self.columns, errors)
        id_number = codes.normalize_id_number(v["id_number"]) if v["id_number"] else ""
        if id_number:
            message = codes.validate_id_number(id_number)
            if message:
                errors["身份证号"] = message
            elif id_number in self.seen:
                errors["身份证号"] = f"与第 {self.seen[id_number]} 行重复。"
            else:
                self.seen[id_number] = row
        phone = codes.normalize_mobile(v["phone"]) if v["phone"] else ""
        if phone and codes.validate_mobile(phone):
            errors["手机号"] = codes.validate_mobile(phone)
        enterprise_id = None
        if v["enterprise"]:
            enterprise_id = self.enterprises.get(codes.normalize_credit_code(v["enterprise"]))
            if enterprise_id is None:
                errors["工作单位信用代码"] = "在您的管辖范围内找不到该信用代码的企业。"
        union = self.unions.get(v["union"])
        if v["union"] and union is None:
            errors["所在工会"] = f"“{v['union']}”不是您管辖范围内的工会组织。"
        joined = None
        if v["joined_on"]:
            try:
                joined = date.fromisoformat(v["joined_on"].replace("/", "-"))
                if joined > date.today():
                    errors["入会日期"] = "入会日期不能晚于今天。"
            except ValueError:
                errors["入会日期"] = f"“{v['joined_on']}”不是日期，请写成 2024-05-01。"
        kind = _NEW_FORM.get(v["new_form_kind"])
        if kind is None:
            errors["新就业形态"] = "请填写骑手、快递员、司机、其他，或留空。"
        if errors:
            raise ValidationError(errors)

        data = {
            "name": v["name"],
            "id_number": id_number,
            "phone": phone,
            "enterprise_id": enterprise_id,
            "union": union,
            "joined_on": joined,
            "new_form_kind": kind,
        }
        existing = Member.objects.filter(id_number_hash=blind_index(id_number)).first()
        if existing is None:
            return self._create(Member(**data))
        return self._update(existing, data)


def _by_header(exc, columns, model):
    """Model field errors keyed by the Excel column the user sees."""
    by_key = {c.key: c.header for c in columns}
    out = {}
    for field_name, messages in exc.message_dict.items():
        header = by_key.get(field_name) or by_key.get(field_name.removesuffix("_id"))
        if header is None:
            try:
                header = str(model._meta.get_field(field_name).verbose_name)
            except Exception:  # noqa: BLE001
                header = field_name
        out.setdefault(header, []).extend(messages)
    return out


IMPORTERS = {"enterprises": EnterpriseImporter, "members": MemberImporter}


def run_import(user, kind, fileobj):
    """Read, check and apply one file in one transaction. Raises excel.FileRejected for a bad file."""
    importer_cls = IMPORTERS[kind]
    model = Enterprise if kind == "enterprises" else Member
    require_perm(user, model, "add")
    if not user.has_perm("orgs.import_data"):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("没有导入数据的权限。")
    rows = excel.read_rows(fileobj, importer_cls.columns)
    importer = importer_cls(user)
    report = excel.ImportReport()
    with transaction.atomic():
        excel.run_rows(rows, importer.handle, report)
    return report


def template_for(kind):
    importer_cls = IMPORTERS[kind]
    notes = [
        "",
        "说明：黄色表头为必填列；第 2 行是示例，导入前请删除或覆盖。",
        "同一文件可以重复导入：已存在的记录（按信用代码或身份证号识别）会被更新，不会重复创建。",
        "有错误的行不会导入，其余行照常导入；系统会列出每个错误所在的行、列和原因。",
    ]
    return excel.template_workbook(importer_cls.title, importer_cls.columns, notes)
