from django.db import migrations


def load(apps, schema_editor):
    from gonghui.orgs import reference

    reference.load_industries(apps.get_model("orgs", "Industry"))
    reference.load_regions(apps.get_model("orgs", "Region"))


def unload(apps, schema_editor):
    apps.get_model("orgs", "Region").objects.all().delete()
    apps.get_model("orgs", "Industry").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("orgs", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
