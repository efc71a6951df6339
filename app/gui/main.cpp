// quantscope — the QuantScope workbench.
//
//   quantscope [MODEL] [--data TEXT] [--screenshot PNG]
//
// MODEL is a llama2.c .bin, a .gguf file or a Hugging Face folder; with --data the perplexity
// of the model on TEXT is evaluated as soon as it is loaded. --screenshot saves a grab of the
// window once everything has finished, then quits (for tests and documentation).

#include "main_window.h"
#include "screenshot_taker.h"
#include "workbench_session.h"

#include <QApplication>
#include <QCommandLineParser>

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("QuantScope"));
    QApplication::setApplicationName(QStringLiteral("QuantScope"));
    QApplication::setApplicationVersion(QStringLiteral(QS_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QApplication::translate("main", "Mixed-precision quantization workbench for LLMs"));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(
        QStringLiteral("model"),
        QApplication::translate("main",
                                "Model to open: llama2.c .bin, .gguf or Hugging Face folder."),
        QStringLiteral("[MODEL]"));
    const QCommandLineOption dataOption(
        QStringLiteral("data"),
        QApplication::translate("main",
                                "Evaluation text; perplexity runs once the model is loaded."),
        QStringLiteral("TEXT"));
    const QCommandLineOption screenshotOption(
        QStringLiteral("screenshot"),
        QApplication::translate("main",
                                "Save a PNG of the window once all jobs finished, then quit."),
        QStringLiteral("PNG"));
    parser.addOption(dataOption);
    parser.addOption(screenshotOption);
    parser.process(app);
    if (parser.positionalArguments().size() > 1) parser.showHelp(1);

    WorkbenchSession session;
    MainWindow window(&session);
    const QString screenshot = parser.value(screenshotOption);
    if (!screenshot.isEmpty()) window.resize(1280, 800); // independent of saved geometry
    window.show();

    if (parser.isSet(dataOption)) session.setTextPath(parser.value(dataOption));
    if (!parser.positionalArguments().isEmpty())
        session.openModel(parser.positionalArguments().constFirst());

    ScreenshotTaker taker(&window, &session, screenshot);
    taker.watch(window.liveEditing());
    if (!screenshot.isEmpty()) taker.arm();
    return app.exec();
}
