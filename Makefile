# The two commands: `make run` serves the portal with demo data; `make test` passes the tests.
.PHONY: help bootstrap run test lint bench clean

help:
	@echo "make run        安装缺少的依赖，启动门户 http://127.0.0.1:8000（SQLite + 本地 S3 + 演示数据）"
	@echo "make test       运行全部测试（PostgreSQL 与 SQLite、真实 S3、WeasyPrint、Chromium）"
	@echo "make bootstrap  只安装依赖（系统软件包、.venv）"
	@echo "make bench      运行基准测试并打印结果（不属于 make test）"

bootstrap:
	@scripts/bootstrap.sh

run: bootstrap
	@.venv/bin/portal serve

test: bootstrap
	@scripts/test.sh

bench: bootstrap
	@.venv/bin/python -m bench

clean:
	rm -rf .venv .pytest_cache
