"""The one `gonghui` command: `gonghui demo`, `gonghui serve`, `gonghui manage <django command>`."""

import argparse
import os
import sys


def _django(settings_module):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings_module)
    import django

    django.setup()


def demo(args):
    """Migrate an SQLite database, load the demo county once, serve it on 127.0.0.1."""
    os.environ.setdefault("GONGHUI_DATA_DIR", os.path.join(os.getcwd(), "var"))
    os.makedirs(os.environ["GONGHUI_DATA_DIR"], exist_ok=True)
    _django("gonghui.settings_dev")
    from django.core.management import call_command

    from gonghui.orgs import demo as demo_county

    call_command("migrate", verbosity=0, interactive=False)
    created = demo_county.ensure_loaded(progress=print)
    if created:
        print("演示县数据已生成。")
    print(f"\n演示账号（密码均为 {demo_county.DEMO_PASSWORD}）：")
    for username, role, org in demo_county.demo_logins():
        print(f"  {username:<16} {role:<12} {org}")
    print(f"\n打开 http://{args.addr}:{args.port}/ 登录。按 Ctrl+C 停止。\n", flush=True)
    if args.no_serve:
        return
    call_command("runserver", f"{args.addr}:{args.port}", use_reloader=False, skip_checks=True)


def serve(args):
    """Production: settings from the environment, migrations applied, gunicorn in front of Django."""
    _django("gonghui.settings")
    from django.core.management import call_command

    call_command("migrate", interactive=False)
    call_command("collectstatic", interactive=False, verbosity=0)
    from importlib import import_module

    from django.conf import settings
    from django.db import connections
    from gunicorn.app.wsgiapp import run

    # The URLconf imports every app's views (and their libraries): done here once, before gunicorn
    # forks, instead of in each worker during its first requests.
    import_module(settings.ROOT_URLCONF)
    # gunicorn forks its workers from this process: none may inherit the connection migrate opened.
    connections.close_all()

    sys.argv = ["gunicorn", "gonghui.wsgi:application", "--bind", args.bind, "--workers", str(args.workers)]
    if args.threads > 1:
        sys.argv += ["--threads", str(args.threads)]
    run()


def manage(args):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gonghui.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["gonghui manage", *args.rest])


def main(argv=None):
    parser = argparse.ArgumentParser(prog="gonghui", description="工会工作平台")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("demo", help="生成演示县数据并在本机启动")
    p.add_argument("--addr", default="127.0.0.1")
    p.add_argument("--port", default="8000")
    p.add_argument("--no-serve", action="store_true", help="只准备数据，不启动服务")
    p.set_defaults(func=demo)
    p = sub.add_parser("serve", help="生产环境启动（配置取自环境变量）")
    p.add_argument("--bind", default="127.0.0.1:8000")
    p.add_argument("--workers", type=int, default=max(2, (os.cpu_count() or 1) * 2))
    p.add_argument("--threads", type=int, default=1, help="每个进程的线程数（大于 1 时使用 gthread）")
    p.set_defaults(func=serve)
    p = sub.add_parser("manage", help="运行 Django 管理命令", add_help=False)
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=manage)
    args = parser.parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
